// Runs a CloudFront Function's code on viewer-request events, outside CloudFront.
//
// stdin:  {"code": "<the function's JavaScript>", "events": [<CloudFront event>, ...]}
// stdout: [<what handler(event) returned> | {"thrown": "<message>"}, ...]
//
// The code runs in a fresh V8 context without require, process or any Node global, as in
// CloudFront's runtime, so a function that leans on Node fails here too.
"use strict";

const vm = require("vm");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
    input += chunk;
});
process.stdin.on("end", () => {
    const { code, events } = JSON.parse(input);
    const handler = vm.runInNewContext(code + "\n;handler;", Object.create(null), {
        filename: "cloudfront-function.js",
    });
    const results = events.map((event) => {
        try {
            return handler(event);
        } catch (error) {
            return { thrown: String(error) };
        }
    });
    process.stdout.write(JSON.stringify(results));
});

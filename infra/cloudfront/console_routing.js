// CloudFront Function (cloudfront-js-2.0, viewer request) in front of the operator console's bucket.
//
// The console is a single-page app under /console/: its routes (/console/chargers/CP-1, ...)
// are not objects in the bucket, so they are all served /console/index.html and the app's
// router takes over. Files are the hashed build output under /console/assets/ (a behaviour of
// their own, which does not run this function) and the files at the top of /console/
// (index.html, config.json, an icon). A deeper path is always a route, even with a dot in it:
// charger ids may hold dots (/console/chargers/CP.1).
//
// `/` and `/console` are redirected to `/console/`; anything else outside /console/ is not
// the console's, and is a 404 here (the bucket would answer 403 for a missing key).

var CONSOLE_ROOT = "/console/";
var ASSETS = "/console/assets/";
var INDEX = "/console/index.html";

function redirectToConsole() {
    return {
        statusCode: 301,
        statusDescription: "Moved Permanently",
        headers: { location: { value: CONSOLE_ROOT } },
    };
}

function isTopLevelFile(rest) {
    // "config.json", "favicon.svg": one segment with an extension.
    return rest.indexOf("/") === -1 && /^[^.][^/]*\.[A-Za-z0-9]+$/.test(rest);
}

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri === "/" || uri === "/console") {
        return redirectToConsole();
    }
    if (uri.indexOf(CONSOLE_ROOT) !== 0) {
        return { statusCode: 404, statusDescription: "Not Found" };
    }
    // Assets have their own behaviour; should one reach this function, it is still a file.
    if (uri.indexOf(ASSETS) !== 0 && !isTopLevelFile(uri.substring(CONSOLE_ROOT.length))) {
        request.uri = INDEX;
    }
    return request;
}

// CloudFront Function (cloudfront-js-2.0, viewer request) in front of the chargers' WebSocket API.
//
// API Gateway WebSocket APIs accept no path after the stage, while chargers are configured
// with a base URL to which they append their identity: wss://<host>/ocpp/{chargePointId}.
// This rewrites that to /<stage>?chargePointId={chargePointId}; any other query parameters
// are kept. /<stage> (the raw form, ?chargePointId=...) passes through unchanged.
//
// Query string values in the event are as the viewer sent them (percent-encoded), and are
// forwarded as they are: the id is therefore decoded, checked, and encoded again.

// The stack replaces the placeholder with its stage name when it is synthesized.
var STAGE_PATH = "/__STAGE_NAME__";
var CHARGER_PREFIX = "/ocpp/";
var ID_PARAMETER = "chargePointId";
// OCPP 2.0.1 identifierString, at most 48 characters (as the $connect authorizer checks).
var CHARGE_POINT_ID = /^[A-Za-z0-9*\-_=:+|@.]{1,48}$/;

function refuse(statusCode, statusDescription) {
    return { statusCode: statusCode, statusDescription: statusDescription };
}

function chargePointIdFrom(encoded) {
    var id;
    try {
        id = decodeURIComponent(encoded);
    } catch (malformed) {
        return null;
    }
    return CHARGE_POINT_ID.test(id) ? id : null;
}

function handler(event) {
    var request = event.request;
    var uri = request.uri;
    if (uri === STAGE_PATH || uri === STAGE_PATH + "/") {
        return request;
    }
    if (uri.indexOf(CHARGER_PREFIX) !== 0) {
        return refuse(404, "Not Found");
    }
    var id = chargePointIdFrom(uri.substring(CHARGER_PREFIX.length));
    if (id === null) {
        return refuse(400, "Bad Request");
    }
    request.uri = STAGE_PATH;
    // The path names the charger: a chargePointId in the query string never overrides it.
    request.querystring = request.querystring || {};
    request.querystring[ID_PARAMETER] = { value: encodeURIComponent(id) };
    return request;
}

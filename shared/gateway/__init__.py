"""API Gateway's side of the platform: reading its events (`requests`) and the WebSocket routes
($connect authorizer, $connect, $default, $disconnect) as plain functions (`websocket`)."""

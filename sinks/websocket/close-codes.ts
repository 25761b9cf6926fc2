/** The close codes the live server sends (PROTOCOL.md "Limits, loss and close codes"); 4000–4999 are ours. */

/** Every subscriber, when the server shuts down. */
export const CLOSE_GOING_AWAY = 1001;
/** A client that sent more than `websocket.maxBadFrames` bad frames. */
export const CLOSE_POLICY_VIOLATION = 1008;
/** A connection whose token expired. */
export const CLOSE_TOKEN_EXPIRED = 4001;
/** A subscriber that stayed over its backpressure limit for `websocket.slowSubscriberCloseMs`. */
export const CLOSE_SLOW_CONSUMER = 4008;

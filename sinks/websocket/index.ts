/** The live port: WebSocket feed, dashboard and HTTP routes on one uWebSockets.js server. */

export type { ClientErrorCode, ServerMessage } from './client-protocol.ts';
export * from './close-codes.ts';
export { type HttpHandler, type HttpReply, type HttpRequestInfo, jsonReply } from './http-routes.ts';
export type { ChannelStats } from './hub-types.ts';
export { type LiveFeed, liveFeedTap } from './live-feed-tap.ts';
export { LiveServer, type LiveServerOptions, type LiveServerStats } from './live-server.ts';
export {
  FILTERABLE_CHANNELS,
  LIVE_CHANNELS,
  type LiveServerConfig,
  type LiveServerConfigInput,
  liveServerConfigSchema,
  parseLiveServerConfig,
  unlistedFilterableChannels,
} from './live-server-config.ts';
export type { FilterSpec } from './subscriber-filter.ts';

/**
 * `@livegate/protocol`: the livegate wire protocol, shared by the server, the SDK
 * (`@livegate/client`) and the dashboard. No runtime dependencies and no Node-only APIs.
 */
export * from './alerts.js';
export * from './console.js';
export * from './control.js';
export * from './envelope.js';
export * from './errors.js';
export * from './matchers.js';
export * from './names.js';
export * from './rfc3339.js';
export * from './transports.js';

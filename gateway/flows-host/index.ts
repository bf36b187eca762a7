/** The flows host's public surface: what the gateway process wires. */
export { FlowsHost, defaultFlowsDir, type FlowsHostOptions } from './host.ts';
export { createFlowsGatewayApi, type FlowsGatewayApiSources } from './gateway-api.ts';
export type { FlowsDeviceInfo, FlowsGatewayApi, FlowsGatewayStatus, FlowsUplinkStatus } from './types.ts';
export { flowsSchema, type FlowsConfig } from './config-schema.ts';

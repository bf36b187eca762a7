export { startDemoDevices, type DemoDevice, type DemoDevices } from './demo.ts';
export { RadarModel, RelayModel, SondeModel, StaticModel, type SimModel } from './models.ts';
export { SimDevice } from './sim-device.ts';
export { SimSlave, wellBehaved, type Misbehaviour } from './slave.ts';
export { serveSerial, serveTcp, type SimEndpoint } from './servers.ts';
export { openPtyPair, type PtyPair } from './socat-pair.ts';
export { fieldBusModels, startSimulatedBus, type SimulatedBus } from './field-bus.ts';
export type { WireTiming } from './responder.ts';

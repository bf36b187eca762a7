import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertInput } from '../core/alert.ts';
import { inDataDir, type LoadedConfig } from './config/load.ts';
import { ErrorCodes, GatewayError, errorCode, isGatewayError, toError } from '../core/errors.ts';
import { GatewayEvents } from './events.ts';
import { buildHealth } from './health/health-snapshot.ts';
import { child, guarded, type Logger } from '../core/log.ts';
import { SqliteOutbox } from './outbox/sqlite-outbox.ts';
import type { Outbox } from './outbox/types.ts';
import { ReadingPipeline } from './pipeline.ts';
import type { ReadingProcessor } from './processing/types.ts';
import type { Reading } from '../core/reading.ts';
import { MqttUplink } from './uplink/mqtt-uplink.ts';
import { topicSet } from './uplink/topics.ts';
import { createTimekeeper, type ClockStatus, type SyncSource, type Timekeeper, type Clock, type TimeCorrection, type GnssTimeSource } from './clock/index.ts';
import { correctionEvent } from './clock/correction-event.ts';
import { gatewayVersion } from './version.ts';
import { createFieldSide, type FieldSide } from '../drivers/registry.ts';
import { createProcessors, monotonicEdgeClock } from './families/index.ts';
import { FlowsHost, createFlowsGatewayApi } from './flows-host/index.ts';
import type { DriverContext, FieldService } from '../drivers/types.ts';

export interface GatewayOptions {
  loaded: LoadedConfig;
  log: Logger;
  /** Edge processors (family computations); built from the config when absent. */
  processors?: ReadingProcessor[];
  /** Replace the real clocks or sync source (tests). */
  time?: { clock?: Clock; source?: SyncSource; bootId?: string };
}

/**
 * The gateway process: outbox, field side, flows and uplink, started in that order and stopped in
 * reverse. Start is all or nothing: when a step fails (the outbox cannot open, a profile or a
 * certificate cannot be read), what had started is stopped in reverse and `start` rejects with a
 * `ServiceFailed` error naming the config file. Inside the field side and the flows, one service
 * that fails to start is contained and reported (one unplugged bus must not stop the others).
 */
export class Gateway {
  readonly events = new GatewayEvents();
  readonly #options: GatewayOptions;
  readonly #log: Logger;
  readonly #latest = new Map<string, Reading>();
  readonly #startedAtMono = performance.now();
  #outbox: SqliteOutbox | null = null;
  #timekeeper: Timekeeper | null = null;
  #gnss: GnssTimeSource | null = null;
  #gnssTimer: NodeJS.Timeout | null = null;
  #pipeline: ReadingPipeline | null = null;
  #field: FieldSide | null = null;
  #uplink: MqttUplink | null = null;
  #running: FieldService[] = [];
  #processors: ReadingProcessor[] = [];
  #flows: FlowsHost | null = null;
  #healthTimer: NodeJS.Timeout | null = null;
  #abort = new AbortController();
  #stopped: Promise<void> | null = null;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#log = child(options.log, 'gateway');
  }

  get outbox(): Outbox {
    if (!this.#outbox) throw new Error('gateway not started');
    return this.#outbox;
  }

  get field(): FieldSide {
    if (!this.#field) throw new Error('gateway not started');
    return this.#field;
  }

  get uplink(): MqttUplink | null {
    return this.#uplink;
  }

  /** Whether the clock is trusted, by which source, and the last step seen (for health and `status`). */
  get clock(): ClockStatus {
    if (!this.#timekeeper) throw new Error('gateway not started');
    return this.#timekeeper.status();
  }

  latestReading(deviceId: string): Reading | undefined {
    return this.#latest.get(deviceId);
  }

  /** Raise or clear an alert: committed to the alert lane, sent before any backlog. */
  alert(alert: AlertInput): void {
    try {
      this.outbox.appendAlert(alert);
      this.#uplink?.wake();
    } catch (error) {
      this.#log.error({ alert: alert.id, err: toError(error).message }, 'could not store alert');
    }
  }

  async start(): Promise<void> {
    try {
      await this.#startInOrder();
    } catch (error) {
      const err = toError(error);
      const file = this.#options.loaded.file;
      this.#log.error({ code: isGatewayError(err) ? err.codeName : errorCode(err), err: err.message, config: file }, 'start-up failed; stopping what had started, in reverse');
      await this.stop();
      throw new GatewayError(ErrorCodes.ServiceFailed, `${file}: the gateway could not start: ${err.message}`, { cause: error, context: { file } });
    }
  }

  /** Each step records what it started (outbox, services, flows, uplink) so `stop` can undo exactly that. */
  async #startInOrder(): Promise<void> {
    const { loaded } = this.#options;
    const { config } = loaded;
    const log = this.#options.log;
    mkdirSync(loaded.dataDir, { recursive: true });
    this.#log.info({ gateway: config.gateway.id, version: gatewayVersion, dataDir: loaded.dataDir, devices: config.devices.length }, 'starting gateway');

    // 1. The outbox first: nothing may be produced before there is somewhere durable to put it.
    mkdirSync(dirname(inDataDir(loaded, config.buffer.path)), { recursive: true });
    // 0. The time: whether the clock can be trusted is known before the first reading is stamped.
    const { timekeeper, gnss } = createTimekeeper(config.clock, loaded.dataDir, child(log, 'clock'), this.#options.time);
    this.#timekeeper = timekeeper;
    this.#gnss = gnss;
    const outbox = new SqliteOutbox({
      config: config.buffer,
      dataDir: loaded.dataDir,
      log: child(log, 'outbox'),
      bootId: timekeeper.bootId,
      nowMs: () => timekeeper.nowMs(),
      clockMs: () => timekeeper.monoMs(),
      wallTrusted: () => timekeeper.status().stamping !== 'unsynced',
    });
    outbox.open();
    this.#outbox = outbox;
    timekeeper.onCorrection((correction) => this.#corrected(correction));
    await timekeeper.start(this.#abort.signal);
    outbox.addListener({
      readingsCommitted: (readings) => {
        for (const reading of readings) this.#latest.set(reading.device, reading);
        this.events.emit('readings', readings);
      },
      alertsCommitted: (alerts) => this.events.emit('alerts', alerts),
    });
    // The uplink (once there is one) sends what was just committed.
    this.events.on('uplink', 'readings', () => this.#uplink?.wake());
    this.events.on('uplink', 'alerts', () => this.#uplink?.wake());
    const openState = outbox.stats().openState;
    if (openState.state === 'recovered') {
      this.#log.error({ movedTo: openState.movedTo, reason: openState.reason }, 'outbox database was unreadable: moved aside and replaced');
      this.alert({
        id: 'outbox-recovered',
        state: 'raised',
        severity: 'critical',
        rule: 'storage',
        device: null,
        message: {
          th: `ฐานข้อมูลบัฟเฟอร์เสียหาย ย้ายไปที่ ${openState.movedTo ?? '-'} และสร้างใหม่แล้ว`,
          en: `Outbox database was unreadable; moved to ${openState.movedTo ?? '-'} and replaced`,
        },
        values: { reason: openState.reason ?? null },
      });
    }

    // 2. Edge processing and the field side.
    const edge = monotonicEdgeClock(() => timekeeper.monoMs(), () => timekeeper.nowMs());
    this.#processors = this.#options.processors ?? createProcessors({ config, dataDir: loaded.dataDir, log, alert: (alert) => this.alert(alert), edge });
    this.#pipeline = new ReadingPipeline(this.#processors, outbox, child(log, 'gateway'), timekeeper);
    const pipeline = this.#pipeline;
    const driverContext: DriverContext = {
      config,
      configDir: dirname(loaded.file),
      dataDir: loaded.dataDir,
      log,
      emit: (reading) => pipeline.emit(reading),
      alert: (alert) => this.alert(alert),
      latestReading: (deviceId) => this.#latest.get(deviceId),
    };
    this.#field = createFieldSide(driverContext);
    if (gnss && config.clock.gnss) {
      this.#gnssTimer = setInterval(() => pipeline.emit(gnss.reading(timekeeper.nowMs())), config.clock.gnss.readingInterval);
      this.#gnssTimer.unref();
    }
    const signal = this.#abort.signal;
    for (const processor of this.#processors) await this.#startContained(processor.name, () => processor.start?.(signal));
    for (const service of this.#field.services) {
      if (await this.#startContained(service.name, () => service.start(signal))) this.#running.push(service);
    }

    // 3. Local rules (Node-RED): they see committed readings and act through the field devices.
    if (config.flows.enabled) {
      const api = createFlowsGatewayApi({
        gatewayId: config.gateway.id,
        events: this.events,
        outbox,
        devices: this.#field.devices,
        uplinkStatus: () => {
          const uplink = this.#uplink;
          if (!uplink) return { state: 'disabled', sinceMs: null };
          return { state: uplink.state === 'online' ? 'connected' : 'disconnected', sinceMs: uplink.stateSinceMs };
        },
        log,
      });
      const flows = new FlowsHost({ config, dataDir: loaded.dataDir, log, api });
      if (await this.#startContained('flows', () => flows.start(signal))) this.#flows = flows;
    }

    // 4. The uplink last: it only forwards what is already safe in the outbox.
    if (config.uplink) {
      const topics = topicSet(config.uplink.topicPrefix, config.gateway.id);
      const uplink = new MqttUplink({
        config: config.uplink,
        drain: config.buffer.drain,
        clientId: config.uplink.clientId ?? `citygw-${config.gateway.id}`,
        topics,
        version: gatewayVersion,
        log: child(log, 'uplink'),
        outbox,
        statusDevices: () => [...this.field.devices.values()].map((d) => ({ id: d.id, kind: d.kind, state: d.stats().state })),
      });
      await uplink.start(signal);
      this.#uplink = uplink;
    } else {
      this.#log.warn('no uplink configured: readings are kept in the outbox until one is');
    }

    this.#healthTimer = setInterval(guarded(this.#log, 'health', () => this.#queueHealth()), config.gateway.healthInterval);
    this.#healthTimer.unref();
    this.#queueHealth();
    this.#log.info({ services: this.#running.map((s) => s.name) }, 'gateway running');
  }

  /** The clock was corrected: re-stamp what the outbox holds, announce it when readings may have left. */
  #corrected(correction: TimeCorrection): void {
    try {
      const outbox = this.#outbox;
      if (!outbox) return;
      const restamped = outbox.applyTimeCorrection(correction);
      this.#log.info({ reason: correction.reason, restamped, announced: correction.announce }, 'readings re-stamped after clock correction');
      if (correction.announce) outbox.appendEvent(correctionEvent(this.#options.loaded.config.gateway.id, correction, restamped, this.#timekeeper!.nowMs()));
      this.#uplink?.wake();
    } catch (error) {
      this.#log.error({ err: toError(error).message }, 'could not apply the clock correction to the outbox');
    }
  }

  async #startContained(name: string, start: () => Promise<void> | void): Promise<boolean> {
    try {
      await start();
      return true;
    } catch (error) {
      this.#log.error({ service: name, err: toError(error).message }, 'service failed to start; the rest keep running');
      return false;
    }
  }

  #queueHealth(): void {
    try {
      const outbox = this.outbox;
      const payload = buildHealth({
        gatewayId: this.#options.loaded.config.gateway.id,
        version: gatewayVersion,
        startedAtMs: this.#timekeeper!.nowMs() - (performance.now() - this.#startedAtMono),
        uplink: () => this.#uplink?.counters() ?? { state: 'disabled' },
        outboxStats: () => outbox.stats(),
        outboxDepth: () => outbox.depth(),
        deviceStats: () => [...this.field.devices.values()].map((d) => d.stats()),
        busStats: () => this.#running.flatMap((s) => (s.busHealth ? [s.busHealth()] : [])),
        clock: () => this.clock,
      }, this.#timekeeper!.nowMs());
      outbox.appendHealth(payload);
      this.#uplink?.wake();
    } catch (error) {
      this.#log.warn({ err: toError(error).message }, 'could not queue health snapshot');
    }
  }

  /** Stops in reverse order: field side (in-flight transactions finish), outbox flushed, uplink says offline. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#log.info('stopping gateway');
    if (this.#healthTimer) clearInterval(this.#healthTimer);
    if (this.#gnssTimer) clearInterval(this.#gnssTimer);
    this.#timekeeper?.stop();
    await this.#gnss?.stop();
    // Rules first, so a rule's last alert and relay write still reach the outbox and the bus.
    try {
      await this.#flows?.stop();
    } catch (error) {
      this.#log.warn({ err: toError(error).message }, 'flows did not stop cleanly');
    }
    for (const service of [...this.#running].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        this.#log.warn({ service: service.name, err: toError(error).message }, 'service did not stop cleanly');
      }
    }
    for (const processor of [...this.#processors].reverse()) {
      try {
        await processor.stop?.();
      } catch (error) {
        this.#log.warn({ processor: processor.name, err: toError(error).message }, 'processor did not stop cleanly');
      }
    }
    try {
      this.#outbox?.flush();
    } catch (error) {
      this.#log.error({ err: toError(error).message }, 'final outbox flush failed');
    }
    await this.#uplink?.stop();
    this.#abort.abort();
    this.#outbox?.close();
    this.#log.info('gateway stopped');
  }
}

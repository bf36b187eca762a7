import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';
import { secret } from '../../core/secret.ts';
import { configFile } from '../../core/paths.ts';

/** A bcrypt hash as Node-RED's adminAuth expects it (`$2a$`, `$2b$` or `$2y$`, cost, 53 characters). */
export const bcryptHashPattern = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** The shipped flows in `flows/`, by file name without `.json`. */
export const shippedFlowNames = ['flood-alert', 'clean-water-release', 'school-air-advisory'] as const;

const editorSchema = z
  .strictObject({
    /** Off by default: the rules run without it, and a closed port cannot be attacked. */
    enabled: z.boolean().default(false),
    /** Loopback unless a technician really needs the editor on the LAN (then prefer `tls`). */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (tests). */
    port: z.number().int().min(0).max(65535).default(1880),
    username: z.string().min(1).default('admin'),
    /** bcrypt hash of the editor password (`citygw flows-password` or `node-red admin hash-pw`). */
    passwordHash: secret.optional(),
    /** How long a login stays valid. */
    sessionExpiry: durationMs.default(8 * 3_600_000),
    /** Serve the editor over HTTPS with these PEM files (relative paths: from the config file's folder). */
    tls: z.strictObject({ cert: configFile, key: configFile }).optional(),
  })
  .prefault({})
  .superRefine((editor, ctx) => {
    if (!editor.enabled) return;
    if (editor.passwordHash === undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordHash'], message: 'the editor needs a login: set passwordHash (a bcrypt hash) or disable the editor' });
    } else if (!bcryptHashPattern.test(editor.passwordHash.reveal())) {
      ctx.addIssue({ code: 'custom', path: ['passwordHash'], message: 'expected a bcrypt hash ($2b$10$...), not a plain password' });
    }
  });

const envValue = z.union([z.string(), z.number(), z.boolean()]);

/**
 * `flows`: the embedded Node-RED that runs local rules (flood alert, clean-water release, school
 * air advisory) on the box, with or without the uplink.
 */
export const flowsSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Node-RED's user directory (flows, credentials, context); relative paths are under `gateway.dataDir`. */
    userDir: z.string().min(1).default('node-red'),
    /** Shipped flows copied into the user directory at first start; later edits in the editor are kept. */
    install: z.array(z.enum(shippedFlowNames)).default([...shippedFlowNames]),
    /** Key that encrypts the flows' credentials file. Without it Node-RED generates one in the user directory. */
    credentialSecret: secret.optional(),
    /**
     * Global flow environment (device bindings such as SIREN_DEVICE, or thresholds). Set on every
     * start; a flow tab's own environment takes precedence over these.
     */
    env: z.record(identifier, envValue).default({}),
    /**
     * Node-RED's own network and process nodes (MQTT, HTTP, WebSocket, TCP, UDP, exec). Off: flows
     * reach devices and upstream only through the gateway, as the store-and-forward path requires.
     */
    allowNetworkNodes: z.boolean().default(false),
    editor: editorSchema,
  })
  .prefault({});

export type FlowsConfig = z.output<typeof flowsSchema>;
export type FlowsEditorConfig = FlowsConfig['editor'];

/**
 * The one small interface between protocol code and the wire: a serial port, a TCP socket (Modbus
 * TCP, or RTU frames through a serial device server) or a test double. Protocol code never imports
 * `serialport` or `node:net` itself.
 */
export interface ByteLink {
  /** `serial:/dev/ttyUSB0@9600-8N1`, `tcp:10.0.0.5:502`: for logs and error messages. */
  readonly description: string;
  /** Bits on the wire per character (start + data + parity + stop), or undefined for TCP. */
  readonly bitsPerChar: number | undefined;
  /** Bits per second of the line, or undefined for TCP. */
  readonly baud: number | undefined;
  /** Opens the link; rejects with GatewayError PortNotFound / PortBusy / PortPermission / TransportClosed. */
  open(): Promise<void>;
  readonly isOpen: boolean;
  write(data: Uint8Array): Promise<void>;
  /** Discards input the OS or the adapter has buffered but not delivered yet. */
  flushInput(): Promise<void>;
  close(): Promise<void>;
  /** Registers the one receiver of incoming bytes and of the link closing (replaces any earlier one). */
  setHandlers(handlers: LinkHandlers): void;
}

/** The receiver of a link's bytes and of its closing. */
export interface LinkHandlers {
  data(chunk: Buffer): void;
  /** The link closed without close() being called (cable pulled, peer reset). */
  closed(error: Error | undefined): void;
}

/** A line's character settings, to compute character times. */
export interface SerialFraming {
  baud: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/** Bits one character takes on the wire: start + data + parity + stop. */
export function bitsPerChar(framing: SerialFraming): number {
  return 1 + framing.dataBits + (framing.parity === 'none' ? 0 : 1) + framing.stopBits;
}

// Hand-built traces for the view tests: every event is written out explicitly, in the order an engine
// and the simulator emit them, so a test reads like the run it stands for.
import type {
  DropReason,
  NetworkDropReason,
  TimerAction,
  TimerName,
  TraceEvent,
} from "../../src/tcp/events.js";
import type { TcpState } from "../../src/tcp/state.js";
import { EMPTY_PAYLOAD, type Segment } from "../../src/wire/segment.js";
import { formatIPv4, parseIPv4 } from "../../src/wire/address.js";

export interface SegmentSpec {
  seq: number;
  ack?: number;
  flags: number;
  /** Payload length; the bytes are 0, 1, 2, ... so hex dumps are recognisable. */
  data?: number;
  window?: number;
}

function parseConn(conn: string): { src: number; sport: number; dst: number; dport: number } {
  const m = /^(\d+\.\d+\.\d+\.\d+):(\d+)>(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(conn);
  if (!m) throw new Error(`bad conn ${conn}`);
  return { src: parseIPv4(m[1] ?? ""), sport: Number(m[2]), dst: parseIPv4(m[3] ?? ""), dport: Number(m[4]) };
}

export class TraceBuilder {
  readonly events: TraceEvent[] = [];
  private lastId = 0;
  private readonly sent = new Map<number, { host: string; seg: Segment; conn: string | null }>();
  private readonly hostOf = new Map<number, string>();

  constructor(addresses: Record<string, string>) {
    for (const [host, address] of Object.entries(addresses)) this.hostOf.set(parseIPv4(address), host);
  }

  app(
    t: number,
    host: string,
    conn: string | null,
    call: string,
    more: { detail?: string; error?: string } = {},
  ): this {
    this.events.push({ kind: "app", t, host, conn, call, ...more });
    return this;
  }

  state(t: number, host: string, conn: string, from: TcpState, to: TcpState, cause: string): this {
    this.events.push({ kind: "state", t, host, conn, from, to, cause });
    return this;
  }

  /** A listening socket's own state change, as the engine writes it (listener: true, conn "local:port"). */
  listenerState(t: number, host: string, conn: string, from: TcpState, to: TcpState, cause: string): this {
    this.events.push({ kind: "state", t, host, conn, from, to, cause, listener: true });
    return this;
  }

  timer(
    t: number,
    host: string,
    conn: string,
    timer: TimerName,
    action: TimerAction,
    deadline?: number,
  ): this {
    this.events.push({
      kind: "timer",
      t,
      host,
      conn,
      timer,
      action,
      ...(deadline === undefined ? {} : { deadline }),
    });
    return this;
  }

  note(t: number, host: string, text: string): this {
    this.events.push({ kind: "note", t, host, text });
    return this;
  }

  /** Emit segment-sent from `host` on `conn` (the sender's view, "local>remote"); returns the packet id. */
  send(
    t: number,
    host: string,
    conn: string,
    spec: SegmentSpec,
    why: string,
    retransmission = false,
    stateless = false,
  ): number {
    const c = parseConn(conn);
    const payload = spec.data ? Uint8Array.from({ length: spec.data }, (_, i) => i & 0xff) : EMPTY_PAYLOAD;
    const seg: Segment = {
      srcAddr: c.src,
      dstAddr: c.dst,
      srcPort: c.sport,
      dstPort: c.dport,
      seq: spec.seq >>> 0,
      ack: (spec.ack ?? 0) >>> 0,
      flags: spec.flags,
      window: spec.window ?? 65535,
      urgent: 0,
      options: {},
      payload,
    };
    const id = ++this.lastId;
    const sentConn = stateless ? null : conn;
    this.events.push({ kind: "segment-sent", t, host, id, seg, conn: sentConn, retransmission, why });
    this.sent.set(id, { host, seg, conn: sentConn });
    return id;
  }

  private packet(id: number): { host: string; seg: Segment; to: string; reverse: string } {
    const p = this.sent.get(id);
    if (!p) throw new Error(`no packet ${id}`);
    const to = this.hostOf.get(p.seg.dstAddr);
    if (!to) throw new Error(`no host at ${formatIPv4(p.seg.dstAddr)}`);
    const reverse = `${formatIPv4(p.seg.dstAddr)}:${p.seg.dstPort}>${formatIPv4(p.seg.srcAddr)}:${p.seg.srcPort}`;
    return { host: p.host, seg: p.seg, to, reverse };
  }

  /** The network delivers packet `id` at `t` and the receiver takes it. */
  deliver(t: number, id: number, conn?: string | null): this {
    const p = this.packet(id);
    this.events.push({ kind: "network", t, host: "network", action: "deliver", id, from: p.host, to: p.to });
    this.events.push({
      kind: "segment-received",
      t,
      host: p.to,
      id,
      seg: p.seg,
      conn: conn === undefined ? p.reverse : conn,
    });
    return this;
  }

  /**
   * The network delivers packet `id` at `t`; the receiver reports it received, then discards it (the
   * engine's order: arrival, then verdict). `dropId` is the id the drop carries (the engine has used -1).
   */
  discard(
    t: number,
    id: number,
    reason: DropReason,
    conn: string | null = null,
    detail?: string,
    dropId = id,
  ): this {
    const p = this.packet(id);
    this.events.push({ kind: "network", t, host: "network", action: "deliver", id, from: p.host, to: p.to });
    this.events.push({ kind: "segment-received", t, host: p.to, id, seg: p.seg, conn });
    this.events.push({
      kind: "segment-dropped",
      t,
      host: p.to,
      id: dropId,
      reason,
      seg: p.seg,
      conn,
      ...(detail === undefined ? {} : { detail }),
    });
    return this;
  }

  /** The network loses packet `id` (decided at `t`). */
  lose(t: number, id: number, reason: NetworkDropReason, fault?: string): this {
    const p = this.packet(id);
    this.events.push({
      kind: "network",
      t,
      host: "network",
      action: "drop",
      id,
      from: p.host,
      to: p.to,
      reason,
      ...(fault === undefined ? {} : { fault }),
    });
    return this;
  }

  /** A network action that is not a delivery by itself (duplicate, delay, corrupt). */
  network(t: number, id: number, action: "duplicate" | "delay" | "corrupt", fault?: string): this {
    const p = this.packet(id);
    this.events.push({
      kind: "network",
      t,
      host: "network",
      action,
      id,
      from: p.host,
      to: p.to,
      ...(fault === undefined ? {} : { fault }),
    });
    return this;
  }
}

// S11: A's last ACK is delayed (less than the MSL); P's retransmitted FIN overtakes it; the delayed ACK then
// arrives and P goes CLOSED. The retransmitted FIN is still in the network (it is slow too). Without
// TIME_WAIT, A opens a new connection with the same 4-tuple (192.201.0.85:5555 ↔ 192.201.0.80:23, the
// example of the seed article) at once, and the stray FIN arrives in the new connection and ends it early.
// With TIME_WAIT the 4-tuple cannot be reopened and the stray FIN meets the TIME_WAIT record.
import { MS } from "../tcp/profile.js";
import { hasFlags, pureAck } from "../sim/match.js";
import { isConnectionStateEvent, type TraceEvent } from "../tcp/events.js";
import { seqAdd, seqDiff, seqGt } from "../tcp/seq.js";
import { listen, connect, patterned, tryConnect, type AppConnection } from "./app.js";
import { makePair } from "./pair.js";
import { withoutBulk } from "./shown.js";
import type { Check, RunRole, Scenario, ScenarioOptions, ScenarioRun } from "./types.js";
import { appErrors, check, duration, isFin, network, sent, stateChanges } from "./verdict.js";

const NEW_BODY = 60_000;
const CLIENT_PORT = 5555;
const DELAYED_ACK = "A's final ACK delayed";
const SLOW_FIN = "P's retransmitted FIN is slow";
const SLOW_FIN_DELAY = 200 * MS;
const THINK_TIME = 300 * MS;
// Just under one MSS, so the retransmission carries all of it with the FIN and its range almost surely
// straddles a segment boundary of the new connection's data.
const LAST_WORDS = 1400;
const CHUNK = 700;

function overtakenRun(options: ScenarioOptions, role: RunRole, withTimeWait: boolean): ScenarioRun {
  const { world, a, p, serverAddress, serverPort } = makePair({
    options,
    role,
    clientAddress: "192.201.0.85",
    serverAddress: "192.201.0.80",
    serverPort: 23,
    // Timestamps off: with them, PAWS would reject the stray FIN by its old TSval (as S9's variant shows).
    // Tail loss probes off on P (Linux tcp_early_retrans=0): the story times A's delayed ACKs from P's RTO,
    // and a probe ~2·SRTT after the FIN would resend it long before (RFC 8985 §7).
    clientOverrides: { timestamps: false, ...(withTimeWait ? {} : { timeWait: 0 }) },
    serverOverrides: { timestamps: false, tailLossProbe: false },
  });
  const { sim, trace } = world;
  const oneWay = options.delay ?? 1000;
  // Sized for RFC 793's ISN clock (one tick per 4 µs, RFC 9293 §3.4.1): the old connection sends a little
  // more than that clock advances until the new connection opens — about one RTO later — so its last
  // sequence numbers lie about 40 kB inside the new connection's window, as they do whenever a sender
  // outruns the clock. A profile with a faster clock (Linux: 64 ns) moves its ISS past all of it.
  const OLD_BODY = 40_000 + Math.round((p.profile.rtoMin + 30 * oneWay) / 4);
  // RFC 5961 §5.2 also checks the stray segment's ACK field: it must lie within one window below A's new
  // SND.UNA and not beyond its SND.NXT. So A's side of the old connection must have moved about as far as
  // A's ISN clock does before the reconnect: A uploads a little less than that first.
  const UPLOAD = Math.max(0, Math.round((a.profile.rtoMin + 20 * oneWay) / 4) - 30_000);
  const quiet = { logReads: false };
  let served = 0;
  const server = listen(
    p,
    serverPort,
    {},
    {
      onEstablished: (app) => {
        served++;
        if (served === 1) app.write(patterned("old session|", OLD_BODY));
      },
      // Only the new connection's request is answered; the old connection's upload is just read.
      // It is streamed in 700-byte pieces (a telnet session's output), so some segment boundary of the new
      // data falls inside the 1400 bytes the stray segment covers.
      onData: (app) => {
        if (app === server.accepted[0]) return;
        const body = patterned("NEW SESSION|", NEW_BODY);
        for (let i = 0; i * CHUNK < NEW_BODY; i++) {
          sim.after(i * 2 * MS, () => app.write(body.subarray(i * CHUNK, (i + 1) * CHUNK)));
        }
      },
      onEnd: (app) => {
        // P's last words, then its close a moment later: data and FIN leave as two segments, but a
        // retransmission after an RTO carries them together.
        app.write(patterned("last words of the old session|", LAST_WORDS));
        sim.after(5 * MS, () => app.end());
      },
    },
    quiet,
  );

  let first: AppConnection | null = null;
  let second: AppConnection | string | null = null;
  // A's ACKs of P's last words and of its FIN are delayed, timed from P's own retransmission deadline:
  // they arrive half a one-way delay after P has retransmitted, so the retransmission is on the wire when
  // P closes.
  // Where the stray FIN segment falls in A's new connection when it arrives (sequence and ACK field).
  let landing: { offset: number; window: number; ackOk: boolean } | null = null;
  let sawCloseWait = false;
  let ackDelayed = false;
  let reconnectScheduled = false;
  const unsubscribe = trace.subscribe((e: TraceEvent) => {
    if (e.kind === "network" && e.action === "deliver" && e.to === "A" && landing === null) {
      const stray = sent(trace.events, "P", (x) => isFin(x.seg) && x.retransmission)[0];
      const conn = typeof second === "object" && second !== null ? (second as AppConnection).conn : null;
      if (stray && e.id === stray.id && conn && conn.state !== "SYN_SENT") {
        const end = seqAdd(stray.seg.seq, stray.seg.payload.length + 1);
        landing = {
          offset: seqDiff(end, conn.rcv.rcvNxt),
          window: conn.rcv.window,
          // RFC 5961 §5.2: SND.UNA − MAX.SND.WND ≤ SEG.ACK ≤ SND.NXT.
          ackOk:
            seqDiff(stray.seg.ack, conn.snd.sndNxt) <= 0 &&
            seqDiff(stray.seg.ack, conn.snd.sndUna) >= -conn.snd.maxSndWnd,
        };
      }
    }
    if (e.host !== "P") return;
    if (e.kind === "state" && e.to === "CLOSE_WAIT") sawCloseWait = true;
    else if (
      sawCloseWait &&
      !ackDelayed &&
      e.kind === "timer" &&
      e.timer === "retransmit" &&
      e.deadline !== undefined
    ) {
      ackDelayed = true;
      const peer = server.accepted[0]?.conn;
      const naturalArrival = e.t + 2 * oneWay;
      sim.fault({
        name: DELAYED_ACK,
        action: "delay",
        from: "A",
        times: 2,
        delay: Math.max(1, e.deadline + Math.max(1, Math.floor(oneWay / 2)) - naturalArrival),
        // Only while the old connection lives: once P has closed, A's next pure ACK is the new handshake's.
        match: (seg, ctx) =>
          pureAck(seg, ctx) &&
          peer !== undefined &&
          peer.state !== "CLOSED" &&
          seqGt(seg.ack, peer.snd.sndUna),
      });
    } else if (isConnectionStateEvent(e) && e.to === "CLOSED" && !reconnectScheduled) {
      reconnectScheduled = true;
      // A's application opens its next connection from the same port, the moment P's side is gone.
      sim.at(e.t, () => {
        second = tryConnect(
          a,
          { address: serverAddress, port: serverPort, localPort: CLIENT_PORT, reuseAddress: true },
          {
            onEstablished: (app) => sim.after(THINK_TIME, () => app.write("GET 2")),
            onEnd: (app) => app.close(),
          },
          quiet,
        );
      });
    }
  });
  sim.fault({
    name: SLOW_FIN,
    action: "delay",
    from: "P",
    match: hasFlags(0x01),
    nth: 2,
    delay: SLOW_FIN_DELAY,
  });
  sim.at(0, () => {
    first = connect(
      a,
      { address: serverAddress, port: serverPort, localPort: CLIENT_PORT },
      {
        onEstablished: (app) => {
          if (UPLOAD > 0) app.write(patterned("old upload|", UPLOAD));
        },
        onData: (app) => {
          if (app.receivedBytes === OLD_BODY) app.end();
        },
      },
      quiet,
    );
  });
  sim.runUntilIdle({ until: 30_000 * MS });
  unsubscribe();

  const ev = world.trace.events;
  const delayed = network(ev, (e) => e.action === "delay" && e.fault === DELAYED_ACK);
  const finRtx = sent(ev, "P", (e) => isFin(e.seg) && e.retransmission)[0];
  const pOldClosed = stateChanges(ev, "P", (e) => e.to === "CLOSED")[0];
  const common: Check[] = [
    check(
      "P retransmits its FIN, and A's delayed ACK then closes P",
      // Two ACKs (of the last words, then of the FIN), or one when A's own delayed ACK let the FIN's ACK
      // cover both.
      delayed.length >= 1 &&
        finRtx !== undefined &&
        pOldClosed !== undefined &&
        pOldClosed.cause === "rcv ACK of FIN" &&
        pOldClosed.t > finRtx.t,
      `FIN (with P's last ${LAST_WORDS} bytes) retransmitted at ${finRtx ? duration(finRtx.t) : "?"}; P CLOSED at ${pOldClosed ? duration(pOldClosed.t) : "?"} by "${pOldClosed?.cause ?? "?"}"`,
    ),
  ];
  const firstApp = first as AppConnection | null;
  let checks: Check[];
  const newApp = typeof second === "string" ? null : (second as AppConnection | null);
  if (!withTimeWait) {
    const l = landing as { offset: number; window: number; ackOk: boolean } | null;
    // The stray segment covers LAST_WORDS bytes and the FIN; it ends `offset` past A's new RCV.NXT.
    const harms = l !== null && l.offset > 0 && l.offset - (LAST_WORDS + 1) < l.window && l.ackOk;
    const where = l
      ? `the stray segment ends ${Math.abs(l.offset)} bytes ${l.offset >= 0 ? "past" : "behind"} A's new RCV.NXT (window ${l.window}); its ACK field ${l.ackOk ? "passes" : "fails"} the RFC 5961 check`
      : "the stray FIN never met the new connection";
    const strayArrives = network(
      ev,
      (e) => e.action === "deliver" && e.to === "A" && finRtx !== undefined && e.id === finRtx.id,
    )[0];
    const aNewClose = stateChanges(ev, "A", (e) => e.to === "CLOSE_WAIT")[0];
    const pNewFin = sent(
      ev,
      "P",
      (e) => isFin(e.seg) && !e.retransmission && pOldClosed !== undefined && e.t > pOldClosed.t,
    )[0];
    checks = [
      ...common,
      check(
        "A reopens 192.201.0.85:5555 ↔ 192.201.0.80:23 at once",
        newApp !== null,
        newApp
          ? "connect() from port 5555 succeeds the moment P has closed"
          : `connect() → ${String(second)}`,
      ),
      check(
        "the retransmitted FIN of the old connection arrives in the new one",
        strayArrives !== undefined &&
          newApp !== null &&
          newApp.established &&
          strayArrives.t > (stateChanges(ev, "A", (e) => e.to === "ESTABLISHED")[1]?.t ?? Infinity),
        strayArrives
          ? `delivered to A at ${duration(strayArrives.t)}, after the new connection was established`
          : "never delivered",
      ),
      harms
        ? check(
            "the stray FIN ends the new connection early: A reads EOF before P has sent its answer or any FIN",
            newApp !== null &&
              newApp.eof &&
              aNewClose !== undefined &&
              (pNewFin === undefined || pNewFin.t > aNewClose.t) &&
              !sameBytes(newApp.data(), patterned("NEW SESSION|", NEW_BODY)),
            `A's new connection read ${newApp?.receivedBytes ?? 0} bytes (P sent ${NEW_BODY}), ${newApp?.text().includes("last words") ? "some of them the old connection's last words, " : ""}then EOF at ${aNewClose ? duration(aNewClose.t) : "?"}; P's own FIN ${pNewFin ? `at ${duration(pNewFin.t)}` : "was never sent"}`,
          )
        : check(
            "the stray FIN misses the new connection's window, so A drops it and the new connection ends normally",
            newApp !== null &&
              !newApp.eof &&
              aNewClose === undefined &&
              sameBytes(newApp.data(), patterned("NEW SESSION|", NEW_BODY)),
            `${where}. A's new connection read ${newApp?.receivedBytes ?? 0} of ${NEW_BODY} bytes, all P's, and no EOF`,
          ),
    ];
    if (appErrors(ev, "P").length > 0)
      checks.push(
        check(
          "P's application is left with an error",
          true,
          `P's application errors: ${appErrors(ev, "P").join(", ")}`,
        ),
      );
  } else {
    const absorbed = sent(
      ev,
      "A",
      (e) => e.conn === null && e.why === "ack-fin" && finRtx !== undefined && e.t > finRtx.t,
    );
    checks = [
      ...common,
      check(
        "A cannot reopen the 4-tuple at once (EADDRNOTAVAIL)",
        second === "EADDRNOTAVAIL",
        `connect() → ${typeof second === "string" ? second : "accepted"}`,
      ),
      check(
        "the stray FIN meets A's TIME_WAIT record and is only ACKed",
        absorbed.length >= 1,
        `${absorbed.length} ACK(s) from TIME_WAIT`,
      ),
      check(
        "A's first connection delivered everything",
        firstApp?.receivedBytes === OLD_BODY + LAST_WORDS,
        `A read ${firstApp?.receivedBytes ?? 0} of ${OLD_BODY + LAST_WORDS} bytes`,
      ),
    ];
  }
  const summary = ["The ladder leaves out the data segments and plain ACKs of the bulk transfers."];
  const killed = stateChanges(ev, "A", (e) => e.from === "TIME_WAIT" && e.cause === "rcv RST")[0];
  if (killed) {
    summary.push(
      `A's ACK from TIME_WAIT reached P after P had closed, so P answered RST; with ${a.profile.name}'s RFC 1337 ` +
        `setting (${a.profile.rfc1337 ? "on" : "off, Linux's tcp_rfc1337=0"}) that RST ended TIME_WAIT at ${duration(killed.t)}.`,
    );
  }
  const title = withTimeWait
    ? `with TIME_WAIT (${duration(a.profile.timeWait)})`
    : "without TIME_WAIT: same 4-tuple at once";
  return world.finish(title, checks, ["A", "P"], { shown: withoutBulk(ev), summary });
}

export const delayedAckOvertaken: Scenario = {
  id: "S11",
  name: "delayed-ack-overtaken",
  title:
    "A delayed last ACK overtaken by P's retransmitted FIN (counterfactual: without TIME_WAIT the FIN can hit a new connection)",
  explain:
    "A's last ACK is delayed in the network (well under the MSL). P's retransmission timer fires first and it " +
    "retransmits its FIN; then the delayed ACK arrives and P goes CLOSED — but the retransmitted FIN is still " +
    "on its way, and it is slow. With TIME_WAIT, A cannot reuse 192.201.0.85:5555 ↔ 192.201.0.80:23 and the " +
    "stray FIN is simply ACKed from TIME_WAIT. Without TIME_WAIT, A's application opens a new connection on " +
    "that 4-tuple at once, and where the stray FIN lands is ISN arithmetic. The old connection is sized to " +
    "outrun RFC 793's 4 µs ISN clock (the rfc and windows profiles): the stray FIN falls inside the new " +
    "connection's window (and its ACK field passes the RFC 5961 check, because A had uploaded about as much as " +
    "its own ISN clock advanced) and ends it early: A reads EOF in the middle of P's answer. Linux's clock " +
    "ticks every 64 ns, so in the RTO (200 ms and more) between the two incarnations both ISSs move some " +
    "3 million past the old sequence numbers; the stray FIN falls behind the window and fails the ACK check, " +
    "and A drops it. It would take a connection that sent more than the clock moved — over 3 MB each way " +
    "within that time, faster than about 125 Mbit/s (S9's LAN run shows such a sender) — to put it back in " +
    "the window; and with timestamps on (Linux's default, off here) PAWS would reject it anyway. FreeBSD " +
    "(bsd) gives a passive open a random ISS, so there it is chance.",
  tryNext: [
    "tcplab run S11 --profile rfc: RFC 793's 4 µs ISN clock, and the stray FIN ends the new connection",
    "tcplab run S11 --profile bsd: RFC 1337 on, so P's RST no longer ends A's TIME_WAIT early",
  ],
  run: (options) => [overtakenRun(options, "main", true), overtakenRun(options, "counterfactual", false)],
};

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((b, i) => b === y[i]);
}

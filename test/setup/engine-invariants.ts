// Loaded before every test file (scripts/run-tests.mjs passes it with --import): every Host a test makes
// checks the engine invariants after each entry (src/tcp/invariants.ts) and throws on the first
// violation, with the connection's recent trace. TCPLAB_INVARIANTS=0 turns it off (to time a test).
import { THROWING_SINK, invariantDefaults } from "../../src/tcp/invariants.js";

if (process.env.TCPLAB_INVARIANTS !== "0") invariantDefaults.sink = THROWING_SINK;

// A progress bar for runs that take more than a moment, on stderr and only on a terminal, so pipes and
// tests never see it.
export interface Progress {
  update(fraction: number): void;
  done(): void;
}

const WIDTH = 30;

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let shown = -1;
  return {
    update(fraction) {
      const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
      if (pct === shown) return;
      shown = pct;
      const filled = Math.round((pct / 100) * WIDTH);
      stream.write(
        `\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(pct).padStart(3)}% ${label}`,
      );
    },
    done() {
      if (shown >= 0) stream.write(`\r${" ".repeat(WIDTH + label.length + 8)}\r`);
    },
  };
}

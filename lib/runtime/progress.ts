/**
 * Progress that a person can follow from the terminal and in the notebook.
 *
 * In a notebook, a progress line is one output updated in place (a Jupyter display id),
 * so sixty epochs leave one line, not sixty. When the headless runner executes the
 * notebook it sets CAE_PROGRESS=stderr, and every line is also written straight to the
 * kernel's stderr (file descriptor 2), which the runner relays to the terminal with the
 * notebook's name: the user sees epochs tick while nbconvert is silent.
 */
import * as fs from "node:fs";
import { displayWriter } from "./jupyter";

let displayCounter = 0;

/**
 * Least time between two in-place updates of a notebook progress line. The kernel's
 * messaging socket holds back a message now and then, and a message sent while one is held
 * back kills the kernel ("Socket is busy writing"): a model trained for 150 epochs in a loop
 * of several models sends hundreds of updates. One update per interval (and always the
 * final one) keeps the line live at a fraction of the traffic; the runner's terminal still
 * gets every line.
 */
export const PROGRESS_MIN_INTERVAL_MS = 2000;

/** Write a line to the runner's terminal when the runner asked for it. */
export function toTerminal(line: string): void {
  if (process.env.CAE_PROGRESS === "stderr") {
    try {
      fs.writeSync(2, `[cae] ${line}\n`);
    } catch {
      // The terminal is gone (e.g. the runner was interrupted): progress is best effort.
    }
  }
}

/** Log a line to the cell (or stdout) and to the runner's terminal. */
export function log(line: string): void {
  console.log(line);
  toTerminal(line);
}

/** A single progress line updated in place. */
export class Progress {
  private readonly id: string;
  private started = false;
  private readonly t0 = Date.now();

  constructor(private readonly label: string) {
    displayCounter += 1;
    this.id = `cae-progress-${process.pid}-${displayCounter}-${Date.now()}`;
  }

  /** Seconds since this progress line was created. */
  elapsed(): number {
    return (Date.now() - this.t0) / 1000;
  }

  private lastWrite = 0;

  /** Replace the line's text (the notebook shows it at most every PROGRESS_MIN_INTERVAL_MS). */
  update(text: string, force = false): void {
    const line = `${this.label}: ${text}`;
    const write = displayWriter();
    if (write) {
      const now = Date.now();
      if (force || !this.started || now - this.lastWrite >= PROGRESS_MIN_INTERVAL_MS) {
        write({ data: { "text/plain": line }, metadata: {}, transient: { display_id: this.id } }, this.started);
        this.started = true;
        this.lastWrite = now;
      }
    } else if (process.env.CAE_QUIET !== "1") {
      console.log(line);
    }
    toTerminal(line);
  }

  /** Final text for the line (always shown). */
  done(text: string): void {
    this.update(`${text} (${this.elapsed().toFixed(1)} s)`, true);
  }
}

// The shape of one bench run, as printed and as written to bench-results/*.json.
// Every figure and every target row carries `how`: the method, in words, so a
// number can be read (and doubted) without opening the code.

export type SectionId = 'crypto' | 'e2e' | 'enroll' | 'budgets' | 'stages';
export const SECTION_IDS: SectionId[] = ['crypto', 'e2e', 'enroll', 'budgets', 'stages'];

export interface Figure {
  /** Stable key, e.g. "crypto.x25519.native.ops_per_s". */
  id: string;
  label: string;
  value: number;
  unit: string;
  how: string;
}

export interface TargetRow {
  id: string;
  label: string;
  /** The measured ratio or amount the target is about. */
  value: number;
  unit: string;
  /** Pass when value <= limit ("max") or value >= limit ("min"). */
  kind: 'max' | 'min';
  limit: number;
  pass: boolean;
  how: string;
  /** Why a target is missed and what would close it. */
  note?: string;
}

/** A part of a section that could not run (its prerequisite is missing). */
export interface Skip {
  what: string;
  why: string;
}

export interface SectionResult {
  id: SectionId;
  title: string;
  /** ok: ran (maybe with some parts skipped); skipped: nothing could run; error: it crashed. */
  status: 'ok' | 'skipped' | 'error';
  /** Why the section is skipped, or the error message. */
  reason?: string;
  how: string;
  figures: Figure[];
  targets: TargetRow[];
  skipped: Skip[];
  duration_s: number;
}

export interface BenchResult {
  version: 1;
  started_at: string;
  duration_s: number;
  quick: boolean;
  machine: {
    node: string;
    openssl: string;
    platform: string;
    arch: string;
    cpu: string;
    cpus: number;
    /** 1-minute load average when the run started and ended: other work on the machine skews timings. */
    load_start: number;
    load_end: number;
  };
  sections: SectionResult[];
}

/** What a section's code hands back; the runner adds id, title, status and timing. */
export interface SectionOutput {
  how: string;
  figures: Figure[];
  targets: TargetRow[];
  skipped: Skip[];
}

/** Thrown by a section when none of it can run, e.g. the gateway image is not built. */
export class SectionSkipped extends Error {}

export function target(
  t: Omit<TargetRow, 'pass'>,
): TargetRow {
  const pass = t.kind === 'max' ? t.value <= t.limit : t.value >= t.limit;
  return { ...t, pass };
}

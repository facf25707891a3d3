/** What auth needs to know about a key: whose it is and which of the account's keys. */
export interface CachedMapping {
  account_id: string;
  key_id: string;
}

/** Entries kept at most; the oldest go first (an isolate rarely sees this many keys in a minute). */
const MAX_ENTRIES = 10_000;

/**
 * Key hash → account mapping, per isolate, for `KEY_CACHE_TTL_MS` (DESIGN "Hot-path budget").
 * Safe because the mapping is only a hint: every account operation re-checks, in its own atomic
 * step, that the presented key id is live with this hash, so revoke and rotate act at once.
 * Unknown keys are never cached: a key created a moment ago works at once.
 */
export class KeyCache {
  private readonly entries = new Map<string, { mapping: CachedMapping; expires: number }>();
  private readonly ttlMs: number;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  get(hash: string, now: number): CachedMapping | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.mapping;
  }

  set(hash: string, mapping: CachedMapping, now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(hash);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(hash, {
      mapping: { account_id: mapping.account_id, key_id: mapping.key_id },
      expires: now + this.ttlMs,
    });
  }

  delete(hash: string): void {
    this.entries.delete(hash);
  }
}

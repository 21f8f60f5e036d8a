/**
 * API keys and roles. Keys come from PCC_API_KEYS ("key:role,key:role") or PCC_API_KEYS_FILE
 * (one "key:role" per line, # comments). A request sends its key as `Authorization: Bearer <key>`
 * or `X-API-Key: <key>`; the dashboard page alone also takes `?key=` so that a link can open it.
 *
 * Keys are compared as SHA-256 digests with timingSafeEqual, against every configured key
 * without an early exit, so the time taken says nothing about how close a guess was. Logs and
 * metrics name a key by a short digest (`key_id`), never by the key.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import type { NextFunction, Request, Response } from 'express';
import { ConfigError } from '../lib/errors';
import { HttpError } from './errors';

export const ROLES = ['ingest', 'read', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  role: Role;
  keyId: string;
}

interface StoredKey {
  digest: Buffer;
  role: Role;
  keyId: string;
}

export interface KeyStore {
  size: number;
  authenticate(key: string): Principal | null;
}

const MIN_KEY_LENGTH = 16;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Parses "key:role" entries; throws a ConfigError naming the bad entry by position only. */
export function parseKeys(entries: string[]): KeyStore {
  const keys: StoredKey[] = [];
  entries.forEach((raw, i) => {
    const entry = raw.trim();
    if (!entry || entry.startsWith('#')) return;
    const at = entry.lastIndexOf(':');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    const role = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!key || !(ROLES as readonly string[]).includes(role)) {
      throw new ConfigError(`API key entry ${i + 1} is not "key:role" with role ${ROLES.join(', ')}`);
    }
    if (key.length < MIN_KEY_LENGTH) throw new ConfigError(`API key entry ${i + 1} is shorter than ${MIN_KEY_LENGTH} characters`);
    const d = digest(key);
    keys.push({ digest: d, role: role as Role, keyId: d.toString('hex').slice(0, 8) });
  });
  return {
    size: keys.length,
    authenticate(key: string): Principal | null {
      const d = digest(key);
      let found: StoredKey | null = null;
      for (const k of keys) {
        if (timingSafeEqual(k.digest, d) && !found) found = k;
      }
      return found ? { role: found.role, keyId: found.keyId } : null;
    },
  };
}

export function loadKeys(config: { apiKeys: string; apiKeysFile: string }): KeyStore {
  const entries = config.apiKeys ? config.apiKeys.split(',') : [];
  if (config.apiKeysFile) {
    let text: string;
    try {
      text = fs.readFileSync(config.apiKeysFile, 'utf8');
    } catch (err) {
      throw new ConfigError(`PCC_API_KEYS_FILE cannot be read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    entries.push(...text.split(/\r?\n/));
  }
  return parseKeys(entries);
}

/** The key a request presents, or null. */
export function presentedKey(req: Request, allowQuery: boolean): string | null {
  const auth = req.get('authorization');
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : null;
  }
  const header = req.get('x-api-key');
  if (header) return header.trim();
  if (allowQuery && typeof req.query.key === 'string') return req.query.key;
  return null;
}

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Middleware: 401 without a known key, 403 when the key's role is not among `allowed`. */
export function requireRole(keys: KeyStore, allowed: Role[], opts: { allowQueryKey?: boolean } = {}) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const key = presentedKey(req, opts.allowQueryKey ?? false);
    if (!key) return next(new HttpError('PCC_HTTP_UNAUTHORIZED', 'an API key is required (Authorization: Bearer <key> or X-API-Key)'));
    const p = keys.authenticate(key);
    if (!p) return next(new HttpError('PCC_HTTP_UNAUTHORIZED', 'the API key is not known'));
    req.principal = p;
    if (p.role !== 'admin' && !allowed.includes(p.role)) {
      return next(new HttpError('PCC_HTTP_FORBIDDEN', `this route needs the ${allowed.join(' or ')} role; the key has ${p.role}`));
    }
    next();
  };
}

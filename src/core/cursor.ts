/**
 * Cursors, the opaque `after` of every paginated list. A page's position is telling — a personal number, the
 * time someone's data was read, the writer that logged it — so it leaves the server only encrypted and
 * authenticated (AES-256-GCM), under a key that lives in the store: every replica on the same store reads the
 * same key, so any of them continues a page another began, and no configuration has to carry it. A cursor is
 * bound to the list it pages (its kind and scope, e.g. the municipality code) as authenticated data: one of
 * another list, an altered or truncated one, or one from a server with another store, is refused.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { BadUserInputError } from './errors.js';

/**
 * The list a cursor pages: its kind (one per paginated field, e.g. `citizens-by-municipality`) and what the list
 * is of (a municipality code, a citizen; '' for all). Each list's owner defines it next to the field it pages.
 */
export interface CursorList {
  kind: string;
  scope: string;
}

const VERSION = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const TAG_BYTES = 16;
/** Positions are padded to this length, so a cursor's length says nothing about its position. */
const POSITION_BYTES = 80;
const CURSOR_BYTES = 1 + SALT_BYTES + POSITION_BYTES + TAG_BYTES;
/**
 * Each cursor is sealed under its own key, derived from the store's key and a salt: GCM with one key and
 * random 96-bit nonces is only safe for some 2^32 messages, which a busy deployment issuing a cursor per edge
 * would reach. The salt is a MAC of the list and the position (a synthetic IV, as in SIV modes), so one
 * position of one list always gets the same cursor — `endCursor` is the last edge's `cursor` — and a key is
 * only ever reused for the very same plaintext; so the nonce can be constant.
 */
const NONCE = Buffer.alloc(12);

const NOT_A_CURSOR = 'after is not a cursor this server issued';

export class CursorCodec {
  private readonly saltKey: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a cursor key is ${KEY_BYTES} bytes`);
    this.saltKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'samgraf cursor salt', KEY_BYTES));
  }

  encode(list: CursorList, position: string): string {
    const plain = Buffer.alloc(POSITION_BYTES);
    if (plain.write(position, 'utf8') !== Buffer.byteLength(position) || position.includes('\0')) {
      throw new Error(`a cursor position is at most ${POSITION_BYTES} bytes of text, without NUL`);
    }
    const associated = associatedData(list);
    const salt = createHmac('sha256', this.saltKey).update(associated).update(plain).digest().subarray(0, SALT_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(salt), NONCE, { authTagLength: TAG_BYTES });
    cipher.setAAD(associated);
    const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), salt, sealed, cipher.getAuthTag()]).toString('base64url');
  }

  /** The position inside a cursor this server issued for `list`, parsed; anything else is BAD_USER_INPUT. */
  decode<T>(list: CursorList, cursor: string, parse: (position: string) => T | null): T {
    const position = this.open(list, cursor);
    const parsed = position === null ? null : parse(position);
    if (parsed === null) throw new BadUserInputError(NOT_A_CURSOR);
    return parsed;
  }

  private open(list: CursorList, cursor: string): string | null {
    const bytes = canonicalBase64url(cursor);
    if (bytes === null || bytes.length !== CURSOR_BYTES || bytes[0] !== VERSION) return null;
    const salt = bytes.subarray(1, 1 + SALT_BYTES);
    const sealed = bytes.subarray(1 + SALT_BYTES, CURSOR_BYTES - TAG_BYTES);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keyFor(salt), NONCE, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(list));
      decipher.setAuthTag(bytes.subarray(CURSOR_BYTES - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(sealed), decipher.final()]);
      return plain.toString('utf8').replace(/\0+$/, '');
    } catch {
      return null;
    }
  }

  private keyFor(salt: Buffer): Buffer {
    return Buffer.from(hkdfSync('sha256', this.key, salt, 'samgraf cursor', KEY_BYTES));
  }
}

function associatedData(list: CursorList): Buffer {
  return Buffer.from(JSON.stringify([VERSION, list.kind, list.scope]), 'utf8');
}

/** Only the exact text the server wrote: padding, other alphabets or stray bits are not ours. */
function canonicalBase64url(text: string): Buffer | null {
  if (text.length > Math.ceil((CURSOR_BYTES * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

/** The store table that holds samgraf's own secrets, and the row of the cursor key (made by a migration). */
export const KEYS_TABLE = 'samgraf_keys';
export const CURSOR_KEY_NAME = 'cursor';

/** A fresh cursor key, as the store keeps it (hex). */
export function newCursorKeyRow(): { name: string; secret: string } {
  return { name: CURSOR_KEY_NAME, secret: randomBytes(KEY_BYTES).toString('hex') };
}

/** Read once at start: every replica on the store gets the same key. */
export async function readCursorKey(store: Knex): Promise<Buffer> {
  const row = await store(KEYS_TABLE).select('secret').where('name', CURSOR_KEY_NAME).first() as { secret: string } | undefined;
  if (!row || !/^[0-9a-f]{64}$/.test(row.secret)) {
    throw new Error(`the store has no cursor key (table ${KEYS_TABLE}, row '${CURSOR_KEY_NAME}'): it is made by samgraf migrate; restore the row or insert 32 random bytes as hex`);
  }
  return Buffer.from(row.secret, 'hex');
}

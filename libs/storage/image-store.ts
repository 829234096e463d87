import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp';

/** The largest image accepted (after upload, before any processing). */
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The type of an image from its first bytes, never from a name or a declared type:
 * PNG (89 50 4E 47 0D 0A 1A 0A), JPEG (FF D8 FF), WebP (RIFF....WEBP). Anything else: undefined.
 */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return undefined;
}

/**
 * Where uploaded images live. One small interface so that object storage can replace the
 * disk without the domain noticing; keys are chosen by the application (never by a client).
 */
export interface ImageStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

export const IMAGE_STORE = Symbol('IMAGE_STORE');

const KEY = /^[a-z0-9][a-z0-9/-]{0,200}$/;

/** Images as files under one directory (UPLOADS_DIR); a write lands whole (temporary file, then rename). */
export class DiskImageStore implements ImageStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    if (!KEY.test(key) || key.includes('..'))
      throw new Error(`image store: invalid key ${JSON.stringify(key).slice(0, 80)}`);
    return join(this.root, key);
  }
}

import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

const SIZES = [16, 32, 48];

/**
 * An .ico file holding PNG images (the format browsers have read since Windows Vista): a
 * 6-byte header, a 16-byte entry per image, then the images.
 */
export function icoOf(pngs: Array<{ size: number; png: Buffer }>): Buffer {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = 6 + 16 * pngs.length;
  const entries = pngs.map(({ size, png }) => {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0);
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2);
    e.writeUInt8(0, 3);
    e.writeUInt16LE(1, 4);
    e.writeUInt16LE(32, 6);
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...pngs.map((p) => p.png)]);
}

/** Without a logo: a rounded square in the commune's colour, with a lighter dot. */
function plainIcon(primary: string, contrast: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" ` +
      `fill="${primary}"/><circle cx="32" cy="32" r="14" fill="${contrast}"/></svg>`,
  );
}

/** The tenant's favicon: its logo on white, else a plain icon in its colours; 16, 32 and 48 pixels. */
export async function faviconOf(
  logoPath: string | undefined,
  theme: { primary: string; primaryContrast: string },
): Promise<Buffer> {
  const source = logoPath ? await readFile(logoPath) : plainIcon(theme.primary, theme.primaryContrast);
  const pngs = await Promise.all(
    SIZES.map(async (size) => ({
      size,
      png: await sharp(source, { density: 300 })
        .resize(size, size, { fit: 'contain', background: '#ffffff' })
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer(),
    })),
  );
  return icoOf(pngs);
}

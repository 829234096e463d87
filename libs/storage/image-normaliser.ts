import sharp from 'sharp';
import type { ImageType } from './image-store';

/** Declared dimensions above this are refused before any pixel is decoded (a 2 MB PNG may declare 50,000 × 50,000). */
export const IMAGE_MAX_PIXELS = 40_000_000;
/** Stored images are at most this wide and high: pages show them far smaller. */
export const IMAGE_MAX_SIDE = 1600;

// Every upload is a different image: libvips' operation cache would only hold memory.
sharp.cache(false);

export type ImageRejection = 'undecodable' | 'too_many_pixels';

export class ImageRejected extends Error {
  constructor(
    readonly reason: ImageRejection,
    readonly width?: number,
    readonly height?: number,
  ) {
    super(`image rejected: ${reason}`);
  }
}

/**
 * Decodes an upload and encodes it again in its own format, so that what is stored is only pixels:
 * bytes appended after the image, metadata (EXIF with GPS position, comments, ICC profiles) and
 * anything a decoder elsewhere might misread are gone. Orientation from EXIF is applied first,
 * then the image is shrunk to IMAGE_MAX_SIDE. Throws ImageRejected when it does not decode.
 */
export async function normaliseImage(
  bytes: Buffer,
  type: ImageType,
): Promise<{ bytes: Buffer; type: ImageType; width: number; height: number }> {
  const input = () => sharp(bytes, { limitInputPixels: IMAGE_MAX_PIXELS, failOn: 'error' });
  // Reads the header only (no pixel decoded), so the limit is checked below with the dimensions named.
  const declared = await sharp(bytes, { limitInputPixels: false, failOn: 'error' })
    .metadata()
    .catch(() => {
      throw new ImageRejected('undecodable');
    });
  if (!declared.width || !declared.height) throw new ImageRejected('undecodable');
  if (declared.width * declared.height > IMAGE_MAX_PIXELS)
    throw new ImageRejected('too_many_pixels', declared.width, declared.height);

  const pipeline = input()
    .rotate()
    .resize({ width: IMAGE_MAX_SIDE, height: IMAGE_MAX_SIDE, fit: 'inside', withoutEnlargement: true });
  const encoded =
    type === 'image/png'
      ? pipeline.png({ compressionLevel: 9 })
      : type === 'image/webp'
        ? pipeline.webp({ quality: 85 })
        : pipeline.jpeg({ quality: 85, mozjpeg: true });
  try {
    // No withMetadata()/keepMetadata(): sharp writes none of the input's metadata.
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { bytes: data, type, width: info.width, height: info.height };
  } catch {
    throw new ImageRejected('undecodable');
  }
}

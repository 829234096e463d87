import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { IMAGE_MAX_SIDE, ImageRejected, normaliseImage } from './image-normaliser';

const solid = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#b3261e' } });

/** A valid PNG whose header (IHDR) declares other dimensions than its pixels. */
function declaring(png: Buffer, width: number, height: number): Buffer {
  const forged = Buffer.from(png);
  forged.writeUInt32BE(width, 16);
  forged.writeUInt32BE(height, 20);
  // The chunk's CRC covers its type and data (bytes 12–28): keep it right so only the dimensions lie.
  forged.writeUInt32BE(crc32(forged.subarray(12, 29)), 29);
  return forged;
}

async function rejection(p: Promise<unknown>): Promise<ImageRejected> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ImageRejected) return err;
    throw err;
  }
  throw new Error('the image was accepted');
}

describe('normaliseImage', () => {
  it('stores only the image: bytes appended after a PNG are gone and the result decodes', async () => {
    const png = await solid(40, 30).png().toBuffer();
    const out = await normaliseImage(Buffer.concat([png, Buffer.from('<?php system($_GET["c"]); ?>')]), 'image/png');
    expect(out.bytes.includes('<?php')).toBe(false);
    expect(out.type).toBe('image/png');
    expect(await sharp(out.bytes).metadata()).toMatchObject({ format: 'png', width: 40, height: 30 });
  });

  it('refuses a PNG that declares 50,000 × 50,000 pixels before decoding it', async () => {
    const png = await solid(4, 4).png().toBuffer();
    const err = await rejection(normaliseImage(declaring(png, 50_000, 50_000), 'image/png'));
    expect(err).toMatchObject({ reason: 'too_many_pixels', width: 50_000, height: 50_000 });
  });

  it('drops EXIF, GPS position included, from a JPEG', async () => {
    const jpeg = await solid(300, 200)
      .jpeg()
      .withExif({
        IFD0: { Artist: 'Jeanne' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '45/1 12/1 30/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '5/1 46/1 40/1',
        },
      })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif?.includes('Jeanne')).toBe(true);
    const out = await normaliseImage(jpeg, 'image/jpeg');
    const meta = await sharp(out.bytes).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 300, height: 200 });
    expect(meta.exif).toBeUndefined();
    expect(out.bytes.includes('Jeanne')).toBe(false);
  });

  it(`shrinks a large image to ${IMAGE_MAX_SIDE} pixels on its long side, keeping its proportions`, async () => {
    const out = await normaliseImage(await solid(3200, 1000).webp().toBuffer(), 'image/webp');
    expect(await sharp(out.bytes).metadata()).toMatchObject({ format: 'webp', width: 1600, height: 500 });
  });

  it('refuses bytes that only start like an image', async () => {
    const err = await rejection(
      normaliseImage(
        Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('pas une image')]),
        'image/png',
      ),
    );
    expect(err.reason).toBe('undecodable');
  });
});

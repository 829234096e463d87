import sharp from 'sharp';
import { join } from 'node:path';
import { faviconOf } from './favicon';

describe("a commune's favicon", () => {
  const images = async (ico: Buffer) => {
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const size = ico.readUInt32LE(6 + 16 * i + 8);
        const offset = ico.readUInt32LE(6 + 16 * i + 12);
        const meta = await sharp(ico.subarray(offset, offset + size)).metadata();
        return { declared: ico.readUInt8(6 + 16 * i), format: meta.format, width: meta.width, height: meta.height };
      }),
    );
  };

  it('is an .ico of PNG images at 16, 32 and 48 pixels, made from the logo', async () => {
    const ico = await faviconOf(join(__dirname, '..', '..', '..', 'tenants', 'lyon', 'logo.svg'), {
      primary: '#a3203a',
      primaryContrast: '#ffffff',
    });
    expect(await images(ico)).toEqual([16, 32, 48].map((s) => ({ declared: s, format: 'png', width: s, height: s })));
  });

  it('is a plain icon in the commune’s colours without a logo', async () => {
    const ico = await faviconOf(undefined, { primary: '#1f5d8c', primaryContrast: '#ffffff' });
    expect((await images(ico)).map((i) => i.width)).toEqual([16, 32, 48]);
    const entry = 6 + 16 * 2;
    const png = ico.subarray(ico.readUInt32LE(entry + 12), ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8));
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const pixel = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
    expect(pixel(24, 4)).toEqual([31, 93, 140]);
    expect(pixel(24, 24)).toEqual([255, 255, 255]);
  });
});

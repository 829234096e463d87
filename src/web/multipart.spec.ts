import { parseMultipart } from './multipart';

describe('parseMultipart', () => {
  it('reads fields and a binary file part byte for byte', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x0d, 0x0a]);
    const body = Buffer.concat([
      Buffer.from('--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nbonjour\r\n'),
      Buffer.from(
        '--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n',
      ),
      png,
      Buffer.from('\r\n--XyZ--\r\n'),
    ]);
    const parts = parseMultipart(body, 'multipart/form-data; boundary=XyZ');
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['note', undefined, undefined],
      ['image', 'a.png', 'image/png'],
    ]);
    expect(parts[0].data.toString()).toBe('bonjour');
    expect(parts[1].data.equals(png)).toBe(true);
  });

  it('finds nothing without a boundary', () => {
    expect(parseMultipart(Buffer.from('x'), 'multipart/form-data')).toEqual([]);
  });
});

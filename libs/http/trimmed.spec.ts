import { IsOptional, IsString, MinLength } from 'class-validator';
import { Trimmed } from './trimmed';
import { createValidationPipe } from './validation';

class NoteDto {
  @MinLength(1, { message: 'note vide' })
  @IsString()
  @Trimmed()
  note!: string;

  @IsOptional()
  @Trimmed()
  count?: unknown;
}

describe('Trimmed', () => {
  const pipe = createValidationPipe();
  const validate = (data: Record<string, unknown>) => pipe.transform(data, { type: 'body', metatype: NoteDto });

  it('takes the white space off a text field before its rules are checked', async () => {
    await expect(validate({ note: '  bonjour \n' })).resolves.toMatchObject({ note: 'bonjour' });
    await expect(validate({ note: '   ' })).rejects.toMatchObject({
      errors: [{ field: 'note', message: 'note vide' }],
    });
  });

  it('leaves a value that is not a string as it came', async () => {
    await expect(validate({ note: 'x', count: 3 })).resolves.toMatchObject({ count: 3 });
  });
});

import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

// Written in the order stacked decorators apply (the one nearest the property first), so that a
// field's messages come out in the order they always had.

/** The opaque keyset cursor of a list's next page, as a query parameter. */
export const PageCursor = (): PropertyDecorator =>
  applyDecorators(
    Matches(/^[\w-]+$/, { message: 'curseur invalide' }),
    MaxLength(300),
    IsString(),
    IsOptional(),
    ApiPropertyOptional(),
  );

/** How many items a page holds, as a query parameter: 1 to 100. */
export const PageLimit = (): PropertyDecorator =>
  applyDecorators(
    Max(100, { message: '100 au plus' }),
    Min(1, { message: 'au moins 1' }),
    IsInt({ message: 'nombre entier attendu' }),
    Transform(toInt),
    IsOptional(),
    ApiPropertyOptional(),
  );

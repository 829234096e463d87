import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject', 'remove'] })
  @IsIn(['approve', 'reject', 'remove'], { message: 'approve, reject ou remove' })
  action!: 'approve' | 'reject' | 'remove';
  /** Told to the author: required to reject or remove, optional to publish. */
  @ApiPropertyOptional({ description: 'required to reject or remove; optional to approve' })
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === null ? '' : trim({ value })))
  @ValidateIf((o: DecisionDto) => o.action !== 'approve' || typeof o.reason !== 'string' || o.reason.length > 1000)
  @IsString({ message: 'motif requis' })
  @MinLength(3, { message: 'motif requis (3 caractères au moins)' })
  @MaxLength(1000)
  reason: string = '';
}

export class ReasonDto {
  @ApiProperty()
  @Transform(trim)
  @IsString({ message: 'motif requis' })
  @MinLength(3, { message: 'motif requis (3 caractères au moins)' })
  @MaxLength(1000)
  reason!: string;
}

export class PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @Matches(/^[\w-]+$/, { message: 'curseur invalide' })
  cursor?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'nombre entier attendu' })
  @Min(1)
  @Max(100, { message: '100 au plus' })
  limit?: number;
}

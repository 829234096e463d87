import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { PageCursor, PageLimit, Trimmed, trimmed } from '@libs/http';

export class DecisionDto {
  @ApiProperty({ enum: ['approve', 'reject', 'remove'] })
  @IsIn(['approve', 'reject', 'remove'], { message: 'approve, reject ou remove' })
  action!: 'approve' | 'reject' | 'remove';
  /** Told to the author: required to reject or remove, optional to publish. */
  @ApiPropertyOptional({ description: 'required to reject or remove; optional to approve' })
  @Transform(({ value }: { value: unknown }) => (value === undefined || value === null ? '' : trimmed({ value })))
  @ValidateIf((o: DecisionDto) => o.action !== 'approve' || typeof o.reason !== 'string' || o.reason.length > 1000)
  @IsString({ message: 'motif requis' })
  @MinLength(3, { message: 'motif requis (3 caractères au moins)' })
  @MaxLength(1000)
  reason: string = '';
}

export class ReasonDto {
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'motif requis' })
  @MinLength(3, { message: 'motif requis (3 caractères au moins)' })
  @MaxLength(1000)
  reason!: string;
}

export class PageQuery {
  @PageCursor() cursor?: string;
  @PageLimit() limit?: number;
}

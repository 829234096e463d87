import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsStorableDate, Trimmed } from '@libs/http';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class CreateCategoryDto {
  @ApiPropertyOptional({ description: 'derived from the name when absent' })
  @IsOptional()
  @Matches(/^[a-z0-9-]{2,60}$/, { message: 'nom court en minuscules, chiffres et tirets' })
  slug?: string;
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'nom requis' })
  @MinLength(2, { message: 'nom trop court' })
  @MaxLength(80, { message: '80 caractères au plus' })
  name!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500, { message: '500 caractères au plus' })
  description?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^[a-z-]{0,40}$/, { message: 'mot-clé en minuscules' }) icon?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean({ message: 'vrai ou faux' }) remote?: boolean;
}

/** A change to a catalogue category: any field of a new one (each optional), and archiving it. */
export class UpdateCategoryDto extends PartialType(CreateCategoryDto) {
  @ApiPropertyOptional() @IsOptional() @IsBoolean({ message: 'vrai ou faux' }) archived?: boolean;
}

export class TenantCategoryDto {
  @ApiProperty() @IsUUID('all', { message: 'identifiant de catégorie invalide' }) categoryId!: string;
  @ApiProperty() @IsBoolean({ message: 'vrai ou faux' }) enabled!: boolean;
  @ApiProperty() @IsInt({ message: 'position entière attendue' }) @Min(0) @Max(1000) position!: number;
}

/** PUT bodies are arrays; the pipe validates them through this wrapper. */
export class TenantCategoriesBody {
  @IsArray({ message: 'liste attendue' })
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TenantCategoryDto)
  items!: TenantCategoryDto[];
}

export class StatsQuery {
  @ApiPropertyOptional({ example: '2026-11-01' })
  @IsOptional()
  @Matches(DATE, { message: 'date attendue (AAAA-MM-JJ)' })
  @IsStorableDate({ message: 'date attendue (AAAA-MM-JJ)' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-11-30' })
  @IsOptional()
  @Matches(DATE, { message: 'date attendue (AAAA-MM-JJ)' })
  @IsStorableDate({ message: 'date attendue (AAAA-MM-JJ)' })
  to?: string;
}

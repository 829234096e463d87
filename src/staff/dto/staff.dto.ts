import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { LatLngDto } from '@src/accounts/dto/accounts.dto';
import { Trimmed } from '@libs/http';

/** "06 12 34 56 78", "06.12.34.56.78" and "+33 6 12 34 56 78" all become digits (and a leading +). */
const phoneDigits = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.replace(/[\s.\-()]/g, '') || null : value;
const PHONE = /^\+?[0-9]{6,15}$/;
const PHONE_HINT = 'numéro de téléphone attendu, par exemple 04 76 00 00 00';

export const CONSENT_METHODS = ['phone', 'in_person', 'paper'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

export class ConsentDto {
  @ApiProperty({ enum: CONSENT_METHODS })
  @IsIn(CONSENT_METHODS, { message: 'phone (par téléphone), in_person (en personne) ou paper (sur papier)' })
  method!: ConsentMethod;
  @ApiPropertyOptional()
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(1000, { message: '1 000 caractères au plus' })
  note?: string;
}

export class CreateRelayedResidentDto {
  @ApiProperty({ example: 'Jeanne D.' })
  @Trimmed()
  @IsString({ message: 'nom public requis (prénom et initiale)' })
  @MaxLength(80)
  displayName!: string;
  @ApiPropertyOptional({ example: '04 76 00 00 00' })
  @IsOptional()
  @Transform(phoneDigits)
  @ValidateIf((_, v) => v !== null)
  @Matches(PHONE, { message: PHONE_HINT })
  phone?: string | null;
  @ApiProperty({ type: LatLngDto }) @ValidateNested() @Type(() => LatLngDto) location!: LatLngDto;
  @ApiProperty({ type: ConsentDto }) @ValidateNested() @Type(() => ConsentDto) consent!: ConsentDto;
}

export class UpdateRelayedResidentDto {
  @ApiPropertyOptional() @IsOptional() @Trimmed() @IsString() @MaxLength(80) displayName?: string;
  @ApiPropertyOptional({ description: 'null removes the number' })
  @IsOptional()
  @Transform(phoneDigits)
  @ValidateIf((_, v) => v !== null)
  @Matches(PHONE, { message: PHONE_HINT })
  phone?: string | null;
  @ApiPropertyOptional({ type: LatLngDto }) @IsOptional() @ValidateNested() @Type(() => LatLngDto) location?: LatLngDto;
  @ApiPropertyOptional({
    type: ConsentDto,
    description: 'a consent given again (recorded with today’s date and the agent)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentDto)
  consent?: ConsentDto;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
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
import { IsStorableDate, Trimmed } from '@libs/http';
import { LatLngDto } from '@src/accounts/dto/accounts.dto';
import { NearbySearchQuery } from '@src/listings/dto/listings.dto';
import { MessageText, OptionalTitleText, TitleText } from '@src/listings/dto/text-fields';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export const ORGANISATION_KINDS = ['association', 'social_centre', 'business', 'institution', 'other'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export class CreateOrganisationDto {
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'nom requis' })
  @MinLength(2, { message: 'nom trop court (2 caractères au moins)' })
  @MaxLength(120, { message: 'nom trop long (120 caractères au plus)' })
  name!: string;
  @ApiProperty({ enum: ORGANISATION_KINDS })
  @IsIn(ORGANISATION_KINDS, { message: 'type attendu : association, social_centre, business, institution ou other' })
  kind!: OrganisationKind;
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'description requise' })
  @MinLength(10, { message: 'description trop courte (10 caractères au moins)' })
  @MaxLength(2000, { message: 'description trop longue (2 000 caractères au plus)' })
  description!: string;
  @ApiPropertyOptional({ description: 'neighbourhood id or slug' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'identifiant ou nom court de quartier attendu' })
  neighbourhood?: string;
  @ApiPropertyOptional({ example: 'https://association.example.org' })
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(300, { message: '300 caractères au plus' })
  @Matches(/^https?:\/\/[^\s<>"]+\.[^\s<>"]+$/, { message: 'adresse de site attendue, commençant par https://' })
  website?: string;
}

/** Projects near a point or matching a text; the organisation narrows it down. */
export class ProjectQuery extends NearbySearchQuery {
  @ApiPropertyOptional({ description: 'organisation id' })
  @IsOptional()
  @IsUUID('all', { message: "identifiant d'organisation invalide" })
  organisation?: string;
}

export class CreateProjectDto {
  @ApiProperty() @IsUUID('all', { message: "identifiant d'organisation invalide" }) organisationId!: string;
  @ApiProperty() @TitleText() title!: string;
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'description requise' })
  @MinLength(10, { message: 'description trop courte (10 caractères au moins)' })
  @MaxLength(4000, { message: 'description trop longue (4 000 caractères au plus)' })
  description!: string;
  @ApiProperty() @IsUUID('all', { message: 'identifiant de catégorie invalide' }) categoryId!: string;
  @ApiProperty({ type: LatLngDto }) @ValidateNested() @Type(() => LatLngDto) location!: LatLngDto;
  @ApiPropertyOptional({ example: '2026-12-01' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'date attendue (AAAA-MM-JJ)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date attendue (AAAA-MM-JJ)' })
  startsOn?: string;
  @ApiPropertyOptional({ example: '2027-03-31' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'date attendue (AAAA-MM-JJ)' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date attendue (AAAA-MM-JJ)' })
  endsOn?: string;
  @ApiPropertyOptional({ description: 'no fixed dates' })
  @IsOptional()
  @IsBoolean({ message: 'vrai ou faux attendu' })
  ongoing?: boolean;
}

export class UpdateProjectDto {
  @ApiPropertyOptional() @OptionalTitleText() title?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Trimmed()
  @IsString()
  @MinLength(10, { message: 'description trop courte (10 caractères au moins)' })
  @MaxLength(4000, { message: 'description trop longue (4 000 caractères au plus)' })
  description?: string;
  @ApiPropertyOptional({ enum: ['closed'] })
  @IsOptional()
  @IsIn(['closed'], { message: 'seul closed est possible' })
  status?: 'closed';
}

export class CreateMissionDto {
  @ApiProperty({ description: 'what the volunteers will do' })
  @Trimmed()
  @IsString({ message: 'intitulé requis' })
  @MinLength(5, { message: 'intitulé trop court (5 caractères au moins)' })
  @MaxLength(120, { message: 'intitulé trop long (120 caractères au plus)' })
  title!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Trimmed()
  @IsString()
  @MaxLength(2000, { message: 'description trop longue (2 000 caractères au plus)' })
  description?: string;
  @ApiProperty({ example: 'Samedi 5 décembre, 9 h – 12 h' })
  @Trimmed()
  @IsString({ message: 'quand : requis' })
  @MinLength(2, { message: 'indiquez quand' })
  @MaxLength(200, { message: '200 caractères au plus' })
  when!: string;
  @ApiPropertyOptional({ example: '2026-12-05T09:00:00+01:00', description: 'none: the date is flexible' })
  @IsOptional()
  @IsStorableDate({ message: 'date et heure attendues (ISO 8601)' })
  startsAt?: string;
  @ApiPropertyOptional({ example: '2026-12-05T12:00:00+01:00', description: 'after startsAt' })
  @IsOptional()
  @IsStorableDate({ message: 'date et heure attendues (ISO 8601)' })
  endsAt?: string;
  @ApiPropertyOptional({
    example: 'Devant la MJC, 12 rue Paul-Bert',
    description: 'shown to volunteers and managers; to everyone only with meetingPlacePublic',
  })
  @IsOptional()
  @Trimmed()
  @IsString({ message: 'texte attendu' })
  @MaxLength(200, { message: '200 caractères au plus' })
  meetingPlace?: string;
  @ApiPropertyOptional({ description: 'show the meeting place to everyone (default: the neighbourhood only)' })
  @IsOptional()
  @IsBoolean({ message: 'vrai ou faux attendu' })
  meetingPlacePublic?: boolean;
  @ApiProperty()
  @Transform(toInt)
  @IsInt({ message: 'nombre entier attendu' })
  @Min(1, { message: 'au moins 1 bénévole' })
  @Max(500, { message: '500 bénévoles au plus' })
  volunteersNeeded!: number;
  @ApiPropertyOptional({ example: ['cuisine', 'accueil'] })
  @IsOptional()
  @IsArray({ message: 'liste attendue' })
  @ArrayMaxSize(10, { message: '10 compétences au plus' })
  @IsString({ each: true })
  @MaxLength(60, { each: true, message: '60 caractères au plus par compétence' })
  skills?: string[];
}

export class VolunteerDto {
  @ApiPropertyOptional({ description: 'let the managers see my e-mail address' })
  @IsOptional()
  @IsBoolean({ message: 'vrai ou faux attendu' })
  shareContact?: boolean;
}

export class OrganisationMessageDto {
  @ApiProperty() @MessageText() message!: string;
}

export class ReplyToDto {
  @ApiProperty() @IsUUID('all', { message: 'identifiant de message invalide' }) messageId!: string;
  @ApiProperty() @MessageText() message!: string;
}

export class ManagerInviteDto {
  @ApiProperty() @Trimmed() @IsEmail({}, { message: 'adresse e-mail invalide' }) @MaxLength(254) email!: string;
}

import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
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
import { PageCursor, PageLimit, Trimmed } from '@libs/http';
import { LatLngDto } from '@src/accounts/dto/accounts.dto';
import { MessageText, OptionalTitleText, TitleText } from './text-fields';

const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];

export class AvailabilityDto {
  @ApiPropertyOptional({ example: 'En semaine après 18 h' })
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: '200 caractères au plus' })
  text?: string;
  @ApiPropertyOptional({ example: ['lundi', 'jeudi'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(7)
  @IsIn(WEEKDAYS, { each: true, message: 'jour de la semaine attendu (lundi … dimanche)' })
  weekdays?: string[];
  @ApiPropertyOptional({ example: '18:00-20:00' })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
    message: 'plage horaire attendue, par exemple 18:00-20:00',
  })
  times?: string;
}

// Written in the order stacked decorators apply (the one nearest the property first), so that a
// field's messages come out in the order they always had.

/** How far from its place a listing reaches, in metres; without it, its mode's default. */
const ListingRadius = (): PropertyDecorator =>
  applyDecorators(
    Max(20000, { message: 'rayon maximum : 20 000 m' }),
    Min(100, { message: 'rayon minimum : 100 m' }),
    IsInt({ message: 'rayon en mètres attendu' }),
    IsOptional(),
    ApiPropertyOptional(),
  );

/** When the author is available (a text, weekdays, a time range). */
const ListingAvailability = (): PropertyDecorator =>
  applyDecorators(
    Type(() => AvailabilityDto),
    ValidateNested(),
    IsOptional(),
    ApiPropertyOptional({ type: AvailabilityDto }),
  );

export class CreateListingDto {
  @ApiProperty({ enum: ['offer', 'request'] })
  @IsIn(['offer', 'request'], { message: 'offer (je propose) ou request (je demande)' })
  kind!: 'offer' | 'request';
  @ApiProperty() @IsUUID('all', { message: 'identifiant de catégorie invalide' }) categoryId!: string;
  @ApiProperty() @TitleText() title!: string;
  @ApiProperty()
  @Trimmed()
  @IsString({ message: 'description requise' })
  @MinLength(10, { message: 'description trop courte (10 caractères au moins)' })
  @MaxLength(2000, { message: 'description trop longue (2 000 caractères au plus)' })
  description!: string;
  @ApiProperty({ enum: ['in_person', 'remote', 'both'] })
  @IsIn(['in_person', 'remote', 'both'], { message: 'in_person, remote ou both' })
  mode!: 'in_person' | 'remote' | 'both';
  @ApiProperty({ type: LatLngDto }) @ValidateNested() @Type(() => LatLngDto) location!: LatLngDto;
  @ListingRadius() radiusM?: number;
  @ListingAvailability() availability?: AvailabilityDto;
}

export class UpdateListingDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID('all', { message: 'identifiant de catégorie invalide' })
  categoryId?: string;
  @ApiPropertyOptional() @OptionalTitleText() title?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Trimmed()
  @IsString()
  @MinLength(10, { message: 'description trop courte (10 caractères au moins)' })
  @MaxLength(2000, { message: 'description trop longue (2 000 caractères au plus)' })
  description?: string;
  @ApiPropertyOptional({ enum: ['in_person', 'remote', 'both'] })
  @IsOptional()
  @IsIn(['in_person', 'remote', 'both'], { message: 'in_person, remote ou both' })
  mode?: 'in_person' | 'remote' | 'both';
  @ApiPropertyOptional({ type: LatLngDto }) @IsOptional() @ValidateNested() @Type(() => LatLngDto) location?: LatLngDto;
  @ListingRadius() radiusM?: number;
  @ListingAvailability() availability?: AvailabilityDto;
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/** The filters and paging shared by the searches of listings and of projects (nearest first with `near`). */
export class NearbySearchQuery {
  @ApiPropertyOptional({ description: 'category id or slug' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'identifiant ou nom court de catégorie attendu' })
  category?: string;
  @ApiPropertyOptional({ description: 'neighbourhood id or slug' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'identifiant ou nom court de quartier attendu' })
  neighbourhood?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(2, { message: 'recherche trop courte' })
  @MaxLength(100, { message: 'recherche trop longue' })
  q?: string;
  @ApiPropertyOptional({ example: '45.21,5.78' })
  @IsOptional()
  @Matches(/^-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?$/, { message: 'position attendue sous la forme LAT,LNG' })
  near?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'rayon en mètres attendu' })
  @Min(100, { message: 'rayon minimum : 100 m' })
  @Max(50000, { message: 'rayon maximum : 50 000 m' })
  radius?: number;
  @PageCursor() cursor?: string;
  @PageLimit() limit?: number;
}

export class SearchListingsQuery extends NearbySearchQuery {
  @ApiPropertyOptional({
    enum: ['offer', 'request', 'project'],
    description: 'project: the projects of organisations, where the site has them',
  })
  @IsOptional()
  @IsIn(['offer', 'request', 'project'], { message: 'offer, request ou project' })
  kind?: 'offer' | 'request' | 'project';
}

export class GeoJsonQuery {
  @ApiProperty({
    example: '5.70,45.15,5.80,45.25',
    description:
      'minLng,minLat,maxLng,maxLat in WGS 84 degrees (-180 ≤ lng ≤ 180, -90 ≤ lat ≤ 90, min < max). Any box is ' +
      ("accepted, the whole world included: it is cut to the commune's area (its outline's bounding box plus about " +
        "2 km), so a box larger than the commune answers the commune's points and a box outside it an empty " +
        'collection.'),
  })
  @Matches(/^-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?,-?\d{1,3}(\.\d+)?,-?\d{1,2}(\.\d+)?$/, {
    message: 'bbox attendue sous la forme minLng,minLat,maxLng,maxLat',
  })
  bbox!: string;
  @ApiPropertyOptional({ enum: ['offer', 'request', 'project'] })
  @IsOptional()
  @IsIn(['offer', 'request', 'project'], { message: 'offer, request ou project' })
  kind?: 'offer' | 'request' | 'project';
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{1,60}$/, { message: 'identifiant ou nom court de catégorie attendu' })
  category?: string;
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 22,
    description:
      "The map's zoom level (Web Mercator). With it, the answer never holds more than about 300 features: below " +
      'zoom 15, or when the box holds more than 300 items, one feature per cluster `{cluster: true, count, counts: ' +
      '{offer, request, project}}` placed at the mean of its public points; otherwise the public points themselves ' +
      '(`clustered: false`). Without it, public points as before, at most 500 (`capped: true` when there were more).',
  })
  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'niveau de zoom entier attendu' })
  @Min(0, { message: 'zoom minimum : 0' })
  @Max(22, { message: 'zoom maximum : 22' })
  zoom?: number;
}

export class ReportDto {
  @ApiProperty({ enum: ['paid', 'inappropriate', 'spam', 'scam', 'other'] })
  @IsIn(['paid', 'inappropriate', 'spam', 'scam', 'other'], {
    message: 'motif attendu : paid, inappropriate, spam, scam ou other',
  })
  reason!: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1000, { message: '1 000 caractères au plus' })
  comment?: string;
}

export class MessageDto {
  @ApiProperty() @MessageText() message!: string;
}

export class ReplyDto {
  @ApiProperty() @MessageText() body!: string;
}

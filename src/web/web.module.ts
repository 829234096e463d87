import { Module } from '@nestjs/common';
import { ListingsModule } from '../listings/listings.module';
import { TenantsModule } from '../tenants/tenants.module';
import { HomeController } from './home.controller';

@Module({ imports: [TenantsModule, ListingsModule], controllers: [HomeController] })
export class WebModule {}

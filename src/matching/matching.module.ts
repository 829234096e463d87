import { Module, OnModuleInit } from '@nestjs/common';
import { QueueModule } from '../../libs/queue';
import { ListingPublication } from '../listings/listing-publication.service';
import { ListingsModule } from '../listings/listings.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { TenantsModule } from '../tenants/tenants.module';
import { MatchingEvents } from './matching-events';
import { MatchingRepository } from './matching.repository';
import { MatchingService } from './matching.service';

/** The API side of matching: queue a job when a listing becomes public; unsubscribe tokens (the pages are in src/web). */
@Module({
  imports: [TenantsModule, ListingsModule, NotificationsModule, QueueModule],
  providers: [MatchingRepository, MatchingService, MatchingEvents],
  exports: [MatchingService, MatchingEvents, MatchingRepository],
})
export class MatchingModule implements OnModuleInit {
  constructor(private readonly publication: ListingPublication, private readonly events: MatchingEvents) {}

  onModuleInit(): void {
    this.publication.onPublished((tenantId, listingId, version) => this.events.enqueue(tenantId, listingId, version));
  }
}

import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { JobQueue, OnJob, QueueModule } from '@libs/queue';
import { TenantDirectory } from '@src/tenants/tenant-directory.service';
import { TenantsModule } from '@src/tenants/tenants.module';
import { ExpireListings } from './listings.jobs';
import { ListingsModule } from './listings.module';
import { ListingsService } from './listings.service';

/** Expires listings past their date, every 10 minutes, tenant by tenant. */
@Injectable()
export class ListingsExpiryProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ListingsExpiryProcessor.name);

  constructor(
    private readonly listings: ListingsService,
    private readonly directory: TenantDirectory,
    private readonly queue: JobQueue,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.keepRepeating([{ job: ExpireListings, everyMs: 10 * 60_000 }]);
  }

  @OnJob(ExpireListings)
  async expire(): Promise<number> {
    let expired = 0;
    for (const t of this.directory.all()) expired += await this.listings.expireDue(t.id);
    if (expired) this.logger.log(`${expired} listing(s) expired`);
    return expired;
  }
}

@Module({ imports: [ListingsModule, TenantsModule, QueueModule], providers: [ListingsExpiryProcessor] })
export class ListingsWorkerModule {}

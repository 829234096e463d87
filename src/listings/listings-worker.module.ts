import { Injectable, Logger, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { JobName, JobQueue, OnJob, QueueModule } from '../../libs/queue';
import { TenantDirectory } from '../tenants/tenant-directory.service';
import { TenantsModule } from '../tenants/tenants.module';
import { ListingsModule } from './listings.module';
import { ListingsService } from './listings.service';

/** Expires listings past their date, every 10 minutes, tenant by tenant. */
@Injectable()
export class ListingsExpiryProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ListingsExpiryProcessor.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly listings: ListingsService, private readonly directory: TenantDirectory, private readonly queue: JobQueue) {}

  onApplicationBootstrap(): void {
    const schedule = () => this.queue.repeat(JobName.ExpireListings, {}, 10 * 60_000).catch((e: Error) => this.logger.warn(`could not schedule expiry: ${e.message}`));
    void schedule();
    this.timer = setInterval(() => void schedule(), 5 * 60_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  @OnJob(JobName.ExpireListings)
  async expire(): Promise<number> {
    let expired = 0;
    for (const t of this.directory.all()) expired += await this.listings.expireDue(t.id);
    if (expired) this.logger.log(`${expired} listing(s) expired`);
    return expired;
  }
}

@Module({ imports: [ListingsModule, TenantsModule, QueueModule], providers: [ListingsExpiryProcessor] })
export class ListingsWorkerModule {}

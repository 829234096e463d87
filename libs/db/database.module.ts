import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@libs/config';
import { createDataSource, Database } from './database';
import { ReplicaMonitor } from './replica';

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const ds = createDataSource(config.databaseUrl, {
          poolSize: config.dbPoolSize,
          applicationName: 'entraide-app',
        });
        await ds.initialize();
        if (!config.databaseReplicaUrl) return new Database(ds, config.dbPreparedStatements);
        // The standby's pool: the same role and size; a standby that does not answer is given up on quickly (the
        // read then goes to the primary) rather than holding the request.
        const replica = createDataSource(config.databaseReplicaUrl, {
          poolSize: config.dbPoolSize,
          applicationName: 'entraide-app-replica',
          connectTimeoutMs: 1000,
        });
        // The standby may be down when the process starts: its pool connects on first use, and reads go to the
        // primary until the monitor hears from it.
        await replica.initialize().catch(() => undefined);
        const monitor = new ReplicaMonitor(config.databaseUrl, config.databaseReplicaUrl, {
          maxLagMs: config.databaseReplicaMaxLagMs,
        });
        await monitor.start();
        return new Database(ds, config.dbPreparedStatements, {
          db: new Database(replica, config.dbPreparedStatements),
          monitor,
          timeoutMs: config.databaseReplicaTimeoutMs,
        });
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

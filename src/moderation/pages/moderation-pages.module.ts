import { Module } from '@nestjs/common';
import { ModerationModule } from '../moderation.module';
import { WebModule } from '@src/web/web.module';
import { ModerationPagesController } from './moderation-pages.controller';

/** The moderators' pages: the queue, decisions and the log. */
@Module({ imports: [WebModule, ModerationModule], controllers: [ModerationPagesController] })
export class ModerationPagesModule {}

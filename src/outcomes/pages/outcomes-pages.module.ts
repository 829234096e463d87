import { Module } from '@nestjs/common';
import { OutcomesModule } from '../outcomes.module';
import { WebModule } from '@src/web/web.module';
import { OutcomePagesController } from './outcome-pages.controller';
import { FeedbackPagesController } from './feedback-pages.controller';

/** The outcomes' pages: answers to reminders and the private feedback. */
@Module({ imports: [WebModule, OutcomesModule], controllers: [OutcomePagesController, FeedbackPagesController] })
export class OutcomesPagesModule {}

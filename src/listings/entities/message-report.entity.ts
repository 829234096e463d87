import { Entity, PrimaryColumn } from 'typeorm';
import { ReportColumns } from './report.columns';

/** A participant's report of a message they received: the message waits for a moderator. */
@Entity('message_reports')
export class MessageReport extends ReportColumns {
  @PrimaryColumn('uuid', { name: 'message_id' })
  messageId!: string;

  @PrimaryColumn('uuid', { name: 'reporter_id' })
  reporterId!: string;
}

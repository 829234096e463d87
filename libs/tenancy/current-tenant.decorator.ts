import { createParamDecorator } from '@nestjs/common';
import { currentTenant } from './request-context';

/** Injects the request's tenant into a handler; throws if the route runs without one. */
export const CurrentTenant = createParamDecorator(() => currentTenant());

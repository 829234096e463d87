import { SetMetadata } from '@nestjs/common';
import type { Role } from './roles';

export const AUTH_REQUIREMENT = 'entraide:auth';
export type AuthRequirement = { roles: Role[] | 'any' };

/** The route needs a signed-in account of this tenant. */
export const Authenticated = () => SetMetadata(AUTH_REQUIREMENT, { roles: 'any' } satisfies AuthRequirement);

/** The route needs one of these roles on this tenant. */
export const Roles = (...roles: Role[]) => SetMetadata(AUTH_REQUIREMENT, { roles } satisfies AuthRequirement);

/** The authenticated caller of a request, and the actor its events carry. */
import type { Actor } from '../event-store/event-store.port';
import type { Role } from './roles';

export interface Identity {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  /** 6-digit county code (旗县区) for county roles and county supervisors. */
  countyCode?: string;
  /** The holder the user works for: their bureau (county roles) or their enterprise (project owners). */
  unitHolderId?: string;
  /** The token that authenticated the request. */
  tokenId: string;
  tokenKind: 'session' | 'api' | 'test';
}

/** The actor written into every event: who (user id), as what (role), for which unit. Never taken from a body. */
export function actorOf(identity: Identity): Actor {
  const unit = identity.unitHolderId ?? (identity.countyCode ? `county:${identity.countyCode}` : undefined);
  return { id: identity.userId, role: identity.role, ...(unit ? { unit } : {}) };
}

/** Who is calling: decoded from the bearer token by the API, passed to every service call. */
export enum Role {
  Admin = "ADMIN",
  Teacher = "TEACHER",
  Analyst = "ANALYST",
  Learner = "LEARNER",
  Service = "SERVICE",
}

/** A caller inside one school: every school-scoped service takes one. */
export interface Actor {
  readonly schoolId: string;
  readonly role: Role;
  /** The token's subject (for audit trails; pseudonymous). */
  readonly subject: string;
  /** Set for role LEARNER: the only learner it may see. */
  readonly learnerId?: string;
  /** Set for role TEACHER: its cohorts bound what it may see. */
  readonly teacherId?: string;
}

/** The token role of the platform operator (not a school `Role`: it belongs to no school). */
export const PLATFORM_ADMIN = "PLATFORM_ADMIN";

/**
 * The platform operator: creates and lists schools, and nothing else. It has no school, so it is
 * not an `Actor` and cannot be passed to a school-scoped service (the API refuses it as FORBIDDEN
 * wherever an Actor is needed): a platform token never reads a school's data.
 */
export interface PlatformAdmin {
  readonly role: typeof PLATFORM_ADMIN;
  readonly subject: string;
}

/** Whoever a valid token names: a school's actor or the platform operator. */
export type Caller = Actor | PlatformAdmin;

export const isPlatformAdmin = (caller: Caller): caller is PlatformAdmin => caller.role === PLATFORM_ADMIN;

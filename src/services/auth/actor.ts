/** Who is calling: decoded from the bearer token by the API, passed to every service call. */
export enum Role {
  Admin = "ADMIN",
  Teacher = "TEACHER",
  Analyst = "ANALYST",
  Learner = "LEARNER",
  Service = "SERVICE",
}

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

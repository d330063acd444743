/**
 * The population register's domain objects. Field names match the GraphQL types so that plain fields need no
 * resolver; relations are resolved through the request's loaders.
 */
import type { IdentityType, Sex } from '../../src/core/personal-number.js';
import type { PersonLink } from '../../src/core/source-module.js';

export type ProtectedIdentity = 'NONE' | 'CONFIDENTIALITY_MARKING' | 'PROTECTED_REGISTRATION';
export type RegistrationStatus = 'REGISTERED' | 'DECEASED' | 'EMIGRATED' | 'DEREGISTERED';
export type RelationType = 'GUARDIAN' | 'CHILD' | 'SPOUSE';

export interface Address {
  street: string | null;
  postalCode: string | null;
  city: string | null;
}

export interface Citizen {
  personalNumber: string;
  identityType: IdentityType;
  givenNames: string;
  preferredName: string | null;
  middleName: string | null;
  familyName: string;
  birthDate: string | null;
  sex: Sex;
  protectedIdentity: ProtectedIdentity;
  address: Address | null;
  municipalityCode: string;
  countyCode: string;
  registeredOn: string | null;
  registrationStatus: RegistrationStatus;
  deregisteredOn: string | null;
}

export interface Relation extends PersonLink {
  type: RelationType;
  /** The related person's 12-digit personal number; resolved to a Citizen on demand. */
  linkedPersonalNumber: string;
}

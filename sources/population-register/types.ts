/**
 * The population register's domain objects: the GraphQL types generated from its SDL (src/core/generated), with
 * what the register always has made non-null. Field names match the GraphQL types so that plain fields need no
 * resolver; relations are resolved through the request's loaders. codegen maps the GraphQL types to these
 * (codegen.ts), so the resolvers in generated.ts take and return them.
 */
import type * as GraphQL from '../../src/core/generated/schema-types.js';
import type { PersonLink } from '../../src/core/source-module.js';

export type { Address, IdentityType, ProtectedIdentity, RegistrationStatus, RelationType, Sex } from '../../src/core/generated/schema-types.js';

/**
 * The register's own fields of Citizen, picked by name: the other modules extend Citizen with fields of their own
 * (benefits, cases, …), which are theirs to resolve.
 */
type OwnCitizenField = 'personalNumber' | 'identityType' | 'givenNames' | 'preferredName' | 'middleName' | 'familyName' | 'birthDate'
  | 'sex' | 'protectedIdentity' | 'address' | 'municipalityCode' | 'countyCode' | 'registeredOn' | 'registrationStatus' | 'deregisteredOn';

export type Citizen = Pick<GraphQL.Citizen, OwnCitizenField> & {
  personalNumber: string;
  identityType: GraphQL.IdentityType;
  givenNames: string;
  familyName: string;
  sex: GraphQL.Sex;
  protectedIdentity: GraphQL.ProtectedIdentity;
  municipalityCode: string;
  countyCode: string;
  registrationStatus: GraphQL.RegistrationStatus;
};

export type Relation = Omit<GraphQL.Relation, 'citizen'> & PersonLink & {
  type: GraphQL.RelationType;
};

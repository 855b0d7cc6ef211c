/** Why something found on the machine cannot be used: the one shape every reader and resolver returns for it. */
export interface Unusable {
  readonly unusable: string;
}

export const isUnusable = (value: object): value is Unusable => 'unusable' in value;

/**
 * The acceptance rules of Lichtblick's JSON-schema channel parser (the one Foxglove Studio had
 * too), reimplemented so tests can check a journal's schemas the way the viewer will: the root
 * and every nested object must say `"type": "object"` and list `properties`; each property has
 * exactly one plain `type` among boolean, string, number, integer, object, array (no `anyOf`,
 * no type list, no `null`); strings may only carry `contentEncoding: "base64"`; array `items`
 * must be boolean, string (without contentEncoding), number, integer or object (so no arrays of
 * arrays). The one exception to "one plain type": a `oneOf` whose alternatives are all numeric
 * `const`s is an integer enum (uint32, as in the well-known `foxglove.*` schemas). Returns the datatypes it would build (name -> field list) or throws like the viewer.
 */
export interface ViewerField {
  name: string;
  type: string;
  isArray?: boolean;
  isComplex?: boolean;
}

export function parseLikeLichtblick(root: Record<string, unknown>, rootTypeName: string): Map<string, ViewerField[]> {
  const datatypes = new Map<string, ViewerField[]>();
  const visit = (schema: Record<string, unknown>, typeName: string): void => {
    if (schema.type !== 'object') throw new Error(`Expected "type": "object" for schema ${typeName}, got ${JSON.stringify(schema.type)}`);
    if (schema.properties === null || typeof schema.properties !== 'object') throw new TypeError(`schema ${typeName} has no properties object`);
    const fields: ViewerField[] = [];
    for (const [name, field] of Object.entries(schema.properties as Record<string, Record<string, unknown>>)) {
      if (Array.isArray(field.oneOf)) {
        if (!field.oneOf.every((alt: Record<string, unknown>) => typeof alt.const === 'number')) throw new Error(`Unsupported type for ${typeName}.${name}: oneOf alternatives must all be numeric constants`);
        fields.push({ name, type: 'uint32' });
        continue;
      }
      switch (field.type) {
        case 'boolean':
          fields.push({ name, type: 'bool' });
          break;
        case 'string':
          if (field.contentEncoding === undefined) fields.push({ name, type: 'string' });
          else if (field.contentEncoding === 'base64') fields.push({ name, type: 'uint8', isArray: true });
          else throw new Error(`Unsupported contentEncoding ${JSON.stringify(field.contentEncoding)}`);
          break;
        case 'number':
        case 'integer':
          fields.push({ name, type: 'float64' });
          break;
        case 'object':
          visit(field, `${typeName}.${name}`);
          fields.push({ name, type: `${typeName}.${name}`, isComplex: true });
          break;
        case 'array': {
          const items = field.items as Record<string, unknown> | undefined;
          if (!items || typeof items !== 'object') throw new TypeError(`array field ${name} has no items schema`);
          switch (items.type) {
            case 'boolean':
              fields.push({ name, type: 'bool', isArray: true });
              break;
            case 'string':
              if (items.contentEncoding !== undefined) throw new Error(`Unsupported contentEncoding ${JSON.stringify(items.contentEncoding)} for array item`);
              fields.push({ name, type: 'string', isArray: true });
              break;
            case 'number':
            case 'integer':
              fields.push({ name, type: 'float64', isArray: true });
              break;
            case 'object':
              visit(items, `${typeName}.${name}`);
              fields.push({ name, type: `${typeName}.${name}`, isComplex: true, isArray: true });
              break;
            default:
              throw new Error(`Unsupported array item type: ${JSON.stringify(items.type)}`);
          }
          break;
        }
        default:
          throw new Error(`Unsupported object field type for ${name}: ${JSON.stringify(field.type)}`);
      }
    }
    datatypes.set(typeName, fields);
  };
  visit(root, rootTypeName);
  return datatypes;
}

/**
 * The Luhn (mod 10) check digit, as Swedish personal identity, coordination and organisation numbers use it:
 * weights 2, 1, 2, 1, … from the digit next to the check digit leftwards, the digits of each product summed.
 */

/** The check digit for `payload` (the digits before the check digit). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = payload.length - 1, weight = 2; i >= 0; i--, weight = 3 - weight) {
    let product = (payload.charCodeAt(i) - 48) * weight;
    if (product > 9) product -= 9;
    sum += product;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `digits` is the check digit of the digits before it. */
export function hasValidLuhn(digits: string): boolean {
  return digits.length >= 2 && luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/** A small fractions and proportional-reasoning curriculum: skills with their prerequisites. */
export interface DemoSkill {
  readonly code: string;
  readonly name: string;
  readonly prerequisites: readonly string[];
  readonly topics: readonly string[];
}

export const DEMO_SKILLS: readonly DemoSkill[] = [
  { code: "WHOLE.MULT", name: "Multiplying whole numbers", prerequisites: [], topics: ["arithmetic"] },
  { code: "WHOLE.DIV", name: "Dividing whole numbers", prerequisites: ["WHOLE.MULT"], topics: ["arithmetic"] },
  { code: "FRAC.CONCEPT", name: "What a fraction is", prerequisites: [], topics: ["pizza", "sharing"] },
  { code: "FRAC.NUMLINE", name: "Fractions on the number line", prerequisites: ["FRAC.CONCEPT"], topics: ["measurement"] },
  { code: "FRAC.EQUIV", name: "Equivalent fractions", prerequisites: ["FRAC.CONCEPT", "WHOLE.MULT"], topics: ["pizza", "cooking"] },
  { code: "FRAC.SIMPLIFY", name: "Simplifying fractions", prerequisites: ["FRAC.EQUIV", "WHOLE.DIV"], topics: ["cooking"] },
  { code: "FRAC.COMPARE", name: "Comparing fractions", prerequisites: ["FRAC.EQUIV", "FRAC.NUMLINE"], topics: ["sports", "measurement"] },
  { code: "FRAC.ADD.LIKE", name: "Adding fractions with like denominators", prerequisites: ["FRAC.CONCEPT"], topics: ["cooking"] },
  { code: "FRAC.ADD.UNLIKE", name: "Adding fractions with unlike denominators", prerequisites: ["FRAC.ADD.LIKE", "FRAC.EQUIV"], topics: ["cooking", "music"] },
  { code: "FRAC.MULT", name: "Multiplying fractions", prerequisites: ["FRAC.EQUIV", "WHOLE.MULT"], topics: ["cooking", "money"] },
  { code: "FRAC.DIV", name: "Dividing fractions", prerequisites: ["FRAC.MULT", "WHOLE.DIV"], topics: ["sharing"] },
  { code: "DEC.FRAC", name: "Fractions as decimals", prerequisites: ["FRAC.SIMPLIFY", "WHOLE.DIV"], topics: ["money"] },
  { code: "RATIO.CONCEPT", name: "Ratios", prerequisites: ["FRAC.EQUIV"], topics: ["sports", "cooking"] },
  { code: "RATIO.RATE", name: "Unit rates", prerequisites: ["RATIO.CONCEPT", "FRAC.DIV"], topics: ["travel", "money"] },
  { code: "PROP.SOLVE", name: "Solving proportions", prerequisites: ["RATIO.CONCEPT", "FRAC.MULT"], topics: ["maps", "cooking"] },
  { code: "PERCENT", name: "Percentages", prerequisites: ["DEC.FRAC", "RATIO.CONCEPT"], topics: ["money", "sports"] },
];

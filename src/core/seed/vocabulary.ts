/**
 * Word lists for the generated demo and test data. Written by hand for this project (runtime code never
 * reads ../shared). Everything a latin1 column of a legacy register can hold must be representable in latin1, the
 * register's character set: å ä ö é ü è á ñ ø are, č ć ş ł are not — keep it that way.
 */

export interface PostTown {
  /** Mixed case, as new rows spell it; old rows use its upper-case form. */
  name: string;
  /** First three digits of real postal codes in this post town. */
  prefixes: readonly string[];
}

export interface Municipality {
  code: string;
  countyCode: string;
  /** Relative share of the population (roughly thousands of inhabitants). */
  weight: number;
  postTowns: readonly PostTown[];
}

export const MUNICIPALITIES: readonly Municipality[] = [
  { code: '0180', countyCode: '01', weight: 990, postTowns: [{ name: 'Stockholm', prefixes: ['112', '113', '114', '115', '116', '117'] }, { name: 'Kista', prefixes: ['164'] }] },
  { code: '1480', countyCode: '14', weight: 600, postTowns: [{ name: 'Göteborg', prefixes: ['412', '414', '415', '416', '417'] }, { name: 'Västra Frölunda', prefixes: ['421'] }] },
  { code: '1280', countyCode: '12', weight: 360, postTowns: [{ name: 'Malmö', prefixes: ['205', '207', '209', '211', '212', '214'] }] },
  { code: '0380', countyCode: '03', weight: 240, postTowns: [{ name: 'Uppsala', prefixes: ['751', '752', '753', '754'] }, { name: 'Storvreta', prefixes: ['743'] }] },
  { code: '0580', countyCode: '05', weight: 165, postTowns: [{ name: 'Linköping', prefixes: ['581', '582', '583', '587'] }] },
  { code: '1880', countyCode: '18', weight: 160, postTowns: [{ name: 'Örebro', prefixes: ['701', '702', '703'] }] },
  { code: '1980', countyCode: '19', weight: 160, postTowns: [{ name: 'Västerås', prefixes: ['721', '722', '723', '724'] }] },
  { code: '1283', countyCode: '12', weight: 150, postTowns: [{ name: 'Helsingborg', prefixes: ['251', '252', '254'] }, { name: 'Ödåkra', prefixes: ['254'] }] },
  { code: '0581', countyCode: '05', weight: 145, postTowns: [{ name: 'Norrköping', prefixes: ['601', '602', '603'] }, { name: 'Skärblacka', prefixes: ['617'] }] },
  { code: '0680', countyCode: '06', weight: 145, postTowns: [{ name: 'Jönköping', prefixes: ['551', '553', '554', '556'] }, { name: 'Huskvarna', prefixes: ['561'] }] },
  { code: '2480', countyCode: '24', weight: 130, postTowns: [{ name: 'Umeå', prefixes: ['901', '903', '904', '906', '907'] }] },
  { code: '1281', countyCode: '12', weight: 128, postTowns: [{ name: 'Lund', prefixes: ['222', '223', '224', '226', '227'] }] },
  { code: '1490', countyCode: '14', weight: 115, postTowns: [{ name: 'Borås', prefixes: ['501', '504', '506', '507'] }] },
  { code: '0484', countyCode: '04', weight: 107, postTowns: [{ name: 'Eskilstuna', prefixes: ['631', '632', '633', '635'] }, { name: 'Torshälla', prefixes: ['644'] }] },
  { code: '1380', countyCode: '13', weight: 104, postTowns: [{ name: 'Halmstad', prefixes: ['301', '302'] }, { name: 'Oskarström', prefixes: ['313'] }] },
  { code: '2180', countyCode: '21', weight: 103, postTowns: [{ name: 'Gävle', prefixes: ['801', '802', '803', '806'] }] },
  { code: '2281', countyCode: '22', weight: 99, postTowns: [{ name: 'Sundsvall', prefixes: ['851', '852', '856', '857'] }] },
  { code: '0780', countyCode: '07', weight: 97, postTowns: [{ name: 'Växjö', prefixes: ['351', '352'] }] },
  { code: '1780', countyCode: '17', weight: 95, postTowns: [{ name: 'Karlstad', prefixes: ['651', '652', '653', '654'] }] },
  { code: '1290', countyCode: '12', weight: 87, postTowns: [{ name: 'Kristianstad', prefixes: ['291'] }, { name: 'Åhus', prefixes: ['296'] }] },
  { code: '2580', countyCode: '25', weight: 80, postTowns: [{ name: 'Luleå', prefixes: ['971', '972', '973', '974'] }] },
  { code: '0880', countyCode: '08', weight: 71, postTowns: [{ name: 'Kalmar', prefixes: ['391', '392', '393'] }] },
  { code: '1080', countyCode: '10', weight: 66, postTowns: [{ name: 'Karlskrona', prefixes: ['371'] }] },
  { code: '2380', countyCode: '23', weight: 65, postTowns: [{ name: 'Östersund', prefixes: ['831'] }, { name: 'Frösön', prefixes: ['832'] }] },
  { code: '0980', countyCode: '09', weight: 61, postTowns: [{ name: 'Visby', prefixes: ['621'] }] },
  { code: '2080', countyCode: '20', weight: 59, postTowns: [{ name: 'Falun', prefixes: ['791'] }] },
  { code: '0114', countyCode: '01', weight: 48, postTowns: [{ name: 'Upplands Väsby', prefixes: ['194'] }] },
  { code: '2584', countyCode: '25', weight: 22, postTowns: [{ name: 'Kiruna', prefixes: ['981'] }] },
];

/**
 * Where Skatteverket's mail to a person with protected registration (skyddad folkbokföring) goes: the
 * register holds this forwarding address instead of where the person lives. Box number fictional.
 */
export const FORWARDING_ADDRESS = { street: 'Särskild postförmedling, Box 2803', postalCode: '10661', postTown: 'Stockholm' };

export const FEMALE_GIVEN_NAMES: readonly string[] = [
  'Anna', 'Eva', 'Maria', 'Karin', 'Kristina', 'Lena', 'Sara', 'Kerstin', 'Emma', 'Ingrid', 'Marie', 'Malin',
  'Jenny', 'Birgitta', 'Hanna', 'Inger', 'Linnéa', 'Ulla', 'Elin', 'Julia', 'Åsa', 'Märta', 'Maja', 'Ebba',
  'Elsa', 'Agnes', 'Astrid', 'Signe', 'Saga', 'Wilma', 'Alice', 'Stina', 'Hélène', 'Zoë', 'Gunnel', 'Solveig',
  'Britt-Marie', 'Ylva', 'Siv', 'Göta', 'Renée', 'Chloé', 'Fatima', 'Amira', 'Noor', 'Leila', 'Ingegärd', 'Ågot',
];

export const MALE_GIVEN_NAMES: readonly string[] = [
  'Lars', 'Mikael', 'Anders', 'Johan', 'Erik', 'Per', 'Karl', 'Peter', 'Jan', 'Thomas', 'Daniel', 'Fredrik',
  'Hans', 'Bengt', 'Björn', 'Göran', 'Sven', 'Åke', 'Håkan', 'Örjan', 'Sören', 'Jörgen', 'Jürgen', 'Mats',
  'Nils', 'Olof', 'Gösta', 'Ulf', 'Stefan', 'Oscar', 'Hugo', 'Liam', 'Elias', 'Noah', 'William', 'Ali',
  'Mohammed', 'Ahmed', 'André', 'René', 'José', 'Zoltán', 'Emil', 'Viktor', 'Axel', 'Måns', 'Jesús', 'Östen',
];

export const FAMILY_NAMES: readonly string[] = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson',
  'Gustafsson', 'Pettersson', 'Jonsson', 'Jansson', 'Hansson', 'Bengtsson', 'Jönsson', 'Lindberg', 'Jakobsson',
  'Magnusson', 'Olofsson', 'Lindström', 'Lindqvist', 'Lindgren', 'Berg', 'Axelsson', 'Bergström', 'Lundberg',
  'Lundgren', 'Mattsson', 'Berglund', 'Fredriksson', 'Sandberg', 'Forsberg', 'Sjöberg', 'Wallin', 'Engström',
  'Håkansson', 'Eklund', 'Gunnarsson', 'Björk', 'Holm', 'Wikström', 'Nyström', 'Löfgren', 'Söderberg',
  'Blomqvist', 'Mårtensson', 'Lundström', 'Öberg', 'Åberg', 'Åström', 'Ström', 'Lindén', 'Nordén', 'Müller',
  'Schröder', 'Bäckström', 'Söderström', 'Östlund', 'Sjögren', 'García', 'Núñez', 'Østergaard', 'Hassan',
  'Ahmadi', 'Nguyen', 'Kovács', 'Ali', 'Mohammed', 'Fält',
];

export const STREET_NAMES: readonly string[] = [
  'Storgatan', 'Drottninggatan', 'Kungsgatan', 'Skolgatan', 'Järnvägsgatan', 'Björkvägen', 'Östra Långgatan',
  'Västra vägen', 'Ängsvägen', 'Industrigatan', 'Åsgatan', 'Kyrkogatan', 'Sjövägen', 'Strandvägen', 'Hagagatan',
  'Trädgårdsgatan', 'Parkvägen', 'Klövervägen', 'Lärkvägen', 'Måsvägen', 'Tallvägen', 'Granvägen', 'Ekbacken',
  'Smedjegatan', 'Rönnvägen', 'Hälsingegatan', 'Götgatan', 'Sörbyvägen', 'Älvgatan', 'Fältvägen',
];

/** Steps of an individual action plan (AF_HANDLINGSPLAN.AKTIVITET). */
export const ACTIVITIES: readonly string[] = [
  'Söka minst sex arbeten per månad och redovisa dem i aktivitetsrapporten',
  'Svenska för invandrare (SFI), kurs C',
  'Arbetsmarknadsutbildning: lager och truckkörning',
  'Praktik inom äldreomsorgen, 20 timmar per vecka',
  'Studiemotiverande folkhögskolekurs',
  'Validering av yrkeskompetens som svetsare',
  'Arbetsträning på kommunens återbruk',
  'Uppföljningsmöte med arbetsförmedlare',
  'Kartläggning av arbetsförmåga tillsammans med Försäkringskassan',
  'Jobbsökaraktiviteter med coachning hos kompletterande aktör',
  'Körkortsutbildning, behörighet B',
  'Yrkessvenska för vård och omsorg',
  'Introduktion till yrket: barnskötare',
  'Förberedande utbildning i digital kompetens',
  'Nystartsjobb hos lokal arbetsgivare',
];

/** Sentences of case notes (AF_ARENDE.ANTECKNING) — the kind of sensitive free text the real column holds. */
export const NOTE_SENTENCES: readonly string[] = [
  'Sökande har lämnat in läkarintyg som styrker nedsatt arbetsförmåga.',
  'Uppföljningsmöte genomfört; sökande är motiverad att söka arbete inom äldreomsorgen.',
  'Sökande uteblev från planerat möte, underrättelse om ifrågasatt ersättning skickad.',
  'Behov av tolk (arabiska) vid nästa besök.',
  'Sökande önskar byta inriktning mot lager och logistik.',
  'Aktivitetsrapporten för förra månaden saknas.',
  'Har påbörjat SFI på kommunal vuxenutbildning, nivå C.',
  'Överens om att söka minst sex tjänster per månad.',
  'Sökande har fått en tidsbegränsad anställning som undersköterska från nästa månad.',
  'Misstänkt felaktig utbetalning av aktivitetsstöd – ärendet lämnat till kontrollfunktionen.',
  'Kontakt med Försäkringskassan angående samordnad rehabilitering.',
  'Sökande bor i skyddat boende; kontakt endast via handläggarens e-post.',
  'Sökande berättar om psykisk ohälsa och har hänvisats till vårdcentralen.',
  'Körkort saknas, vilket begränsar möjliga arbetsplatser på landsbygden.',
  'Föräldraledig till och med sommaren; ärendet vilande under tiden.',
];

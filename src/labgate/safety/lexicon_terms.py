"""The uplift lexicon's words in the seven languages beside English (fr de es ru zh ar ja).

Data only; :mod:`labgate.safety.lexicon` compiles it once, at import. Each language lists
regular-expression fragments per role:

* ``agents``: CBRN agents and critical-infrastructure control systems, as written in that
  language and script (sarin = зарин = 沙林 = サリン = السارين);
* ``uplift``: goals that make a weapon work or reach people (weaponise, aerosolise, disperse,
  make more lethal or transmissible, stabilise, attack, kill, sabotage);
* ``strong``: the part of the goals that no defensive context excuses (covert acquisition,
  evading detection, inspectors or export controls, theft, smuggling, use against people);
* ``production``: making or getting the agent (produce, synthesise, culture, buy, obtain);
* ``operational``: the framing of a request for instructions ("how do I", "step by step",
  "give me", a tool's "returns ...");
* ``defensive``: the intents the labs ask about every day (detection, treatment, protection,
  decontamination, history, treaties, verification, shielding, disarmament); a sentence that
  has one and no ``strong`` goal is not uplift (:func:`labgate.safety.lexicon._score`);
* ``cyber_goal``: what an attack on a control system does (sabotage, black out, take over).

How fragments are matched: in the languages written with spaces (fr de es ru) a fragment is a
whole word or phrase (``(?<!\\w)…(?!\\w)``), so a fragment that should also match its inflected
forms ends in ``\\w*`` (``зарин\\w*`` reads зарина, зарином). Chinese and Japanese have no spaces
and no word boundaries, and Arabic attaches its article and prepositions to the word (بالسارين,
والسارين): there a fragment matches anywhere, so their fragments are chosen long enough not to
occur inside unrelated words.
"""

from __future__ import annotations

from labgate.safety.categories import Category
from labgate.safety.lexicon_outcomes import ROLES as _OUTCOME_ROLES

CHEM = Category.CBRN_CHEMICAL
BIO = Category.CBRN_BIOLOGICAL
RAD = Category.CBRN_RADIOLOGICAL
NUC = Category.CBRN_NUCLEAR
CYBER = Category.CYBER_INFRASTRUCTURE

# Languages written without word boundaries a regular expression can use.
UNSPACED = frozenset({"zh", "ja", "ar"})

# English additions the original (English) lexicon did not have: control systems, and the
# defensive and strong-goal lists, which the scoring now reads in every language.
EN: dict[str, object] = {
    "agents": {
        CHEM: [
            # household chemicals mixed into a toxic gas
            r"chloramine( gas| vapou?rs?)?",
            r"(bleach|hypochlorite)\W+(\w+\W+){0,4}ammonia",
            r"ammonia\W+(\w+\W+){0,4}(bleach|hypochlorite)",
        ],
        NUC: [
            r"(low-?|highly |weapons?-grade )?enriched uranium",
            r"uranium to (weapons?[- ]grade|(8|9)\d ?(%|percent))",
            r"LEU",
        ],
        CYBER: [
            r"SCADA",
            r"PLCs?",
            r"industrial control systems?",
            r"ICS",
            r"DCS",
            r"HMIs?",
            r"(the |a |our |their )?(power|electric(ity|al)?) grids?",
            r"(power |electrical )?substations?",
            r"water (treatment|supply|utility|purification)( plants?| systems?| facilit\w*)?",
            r"wastewater (plants?|systems?|facilit\w*)",
            # a town's water utility named as its works ("the town waterworks")
            r"water ?works",
            r"(gas |oil )?pipelines?'? (control|SCADA|compressor|pressure)\w*",
            r"Modbus",
            r"DNP3",
            r"safety instrumented systems?",
            r"(regional|national|city'?s?|local|state|country'?s?|whole) (power |"
            r"electric(al)? )?grids?",
        ],
    },
    "targets": [
        r"in (a |the )?(subway|metro|crowd|stadium)",
        r"(into|in) (the |a )?(city'?s? )?water supply",
    ],
    "strong": [
        # defeating the protection is the attack, not defence ("disable the protective relays")
        r"(disabl\w*|bypass\w*|defeat\w*|jumper\w*|overrid\w*) (the |all |every |its )?"
        r"(\w+ )?(protective|protection|safety) (relays?|systems?|interlocks?|trips?)",
        # the same written as switching it off ("switches off protection on the relays"): a
        # passive "was switched off for maintenance" puts the protection first, no match
        r"(switch\w*|turn\w*|tak(e|es|ing)|knock\w*|block\w*) (off|out) (the |all |every |its )?"
        r"(\w+ )?(protection|protective relays?|protective functions?|safety interlocks?)"
        r"( (on|of|in|at|for) (the |all |every |our |its )?(\w+ ){0,2}(relays?|substations?|"
        r"breakers?|feeders?|transformers?|lines?))?",
        r"(turn|convert)\w* (\w+ ){0,3}into (a )?weapons?",
        r"(hide|hiding|conceal\w*) (\w+ ){0,4}from (the )?(\w+ )?(inspectors?|IAEA|auditors?)",
        r"without (the )?(\w+ )?(inspectors?|suppliers?) (finding|noticing|flagging)\w*",
        r"escape (existing )?vaccines?",
        r"(harder|hard|difficult|impossible) to (decontaminate|clean up|detect|treat|trace|remove|"
        r"filter)",
        r"(penetrat\w*|defeat\w*|overcome|bypass\w*|get through) (the )?(\w+ )?(protective|masks?|"
        r"filters?|suits?|vaccines?|vaccine immunity|treatment|antibiotics|decontamination)",
        r"so (that )?(the )?(treatment|vaccines?|antidotes?|antibiotics|decontamination) "
        r"(fails?|won't work|doesn't work|do(es)?n't work)",
        r"(antibiotic|drug|vaccine|treatment)[- ]resistan(t|ce)",
        r"resistan(t|ce) to (the |all |every |any )?(\w+ )?(antibiotics?|treatment|vaccines?|"
        r"antidotes?)",
        r"evade (existing )?(vaccines?|immunity)",
        r"weaponi[sz]\w*",
        r"aerosoli[sz]\w*",
        r"undetected",
        r"undetectable",
        r"without (being )?(detected|caught|noticed|reported|traced|flagged)",
        r"without (a |any )?(licen[cs]e|permit|authori[sz]ation|paperwork)",
        r"without anyone (noticing|knowing)",
        r"avoid\w* (the )?(detection|detectors?|inspectors?|inspection|suspicion|customs|"
        r"export controls?|screening|monitoring)",
        r"evad\w*",
        r"covert\w*",
        r"clandestine\w*",
        r"smuggl\w*",
        r"steal\w*",
        r"stolen",
        r"divert\w*",
        r"black market",
        r"front compan\w*",
        r"around (the )?(\w+ )?(controls|screening|safeguards|inspectors)",
        r"outside (of )?(any |the |all )?(\w+ )?(safeguards|export controls|controls|inspections?|"
        r"oversight|material accounting)",
        r"without (\w+ ){0,3}(triggering|tripping|setting off|showing up (in|on)) (\w+ ){0,3}"
        r"(alarms?|checks?|inventor(y|ies)|detectors?|audits?|screens?|records?|logs?)",
        r"(fool|deceive|trick|bypass|get past|sneak \w+ past) (the )?(\w+ )?(inspectors?|"
        r"customs|screening|detectors?|export controls?|safeguards|security|checkpoints?)",
        r"past (the |a )?(\w+ )?(detectors?|customs|inspectors?|border|checkpoints?|security|"
        r"screening|portal monitors?)",
        r"against (people|civilians|a crowd|crowds)",
        r"mass casualt\w*",
        r"more (lethal|transmissible|contagious|virulent|deadly)",
        r"start (a|an) (pandemic|outbreak|epidemic)",
        r"infect (as many|the most)",
        r"for (a |use as a )?weapon",
        r"to make a bomb",
        # a source where no one watches it, a purchase split so no screen sees it whole
        r"unguarded",
        r"unattended",
        r"left unsecured",
        r"guard (schedules?|rotations?|shifts?)",
        r"so (that )?(the )?(\w+ ){0,2}(screening|screens?|inspectors?|detectors?|customs|"
        r"monitoring|auditors?|vendors?|suppliers?) (does|do|will|would)(n't| not) (flag|detect|"
        r"notice|catch|find|see)",
        r"split\w* (the |an? )?(orders?|sequences?|purchases?|shipments?) (across|between|among)",
        r"without (\w+ ){0,2}(end-user|KYC|customer|export) (checks?|screening|verification|"
        r"certificates?|questions)",
        r"(reviv|resurrect|reconstitut|re-?creat)\w* (\w+ ){0,3}from (synthetic DNA|scratch|(its |"
        r"the )?(published )?sequence)",
    ],
    "operational": [
        r"write( me)?( a| an| the| some)? (code|script|program|malware|ransomware|exploit)\w*",
        # a tool definition is an operation by nature: what it returns, generates, plans
        r"returns?",
        r"generates?",
        r"outputs?",
        r"computes?",
        r"optimi[sz]es?",
        r"plans?",
        r"describ\w* (exactly |precisely |in (full |precise )?detail )?how",
        r"(exact|precise) (steps|procedure|method|change|code|ladder[- ]logic|amounts?)",
        r"how (do|can|could|would|should|might) (a|an) (crew|team|group|terrorist|attacker|hacker|"
        r"person|cell|criminal|insider|adversary|individual)",
    ],
    "defensive": [
        r"steril\w*",
        r"autoclav\w*",
        r"disinfect\w*",
        r"inactivat\w*",
        r"hospitals?",
        r"(first |emergency )?responders?",
        r"victims",
        r"(?<!smoke )detect(s|ed|ing|ion|ors?)?",
        r"diagnos\w*",
        # "water treatment 2" (a plant's name, from a tool call's "water_treatment_2") is the
        # target, not medical treatment
        r"(?<!water )(?<!wastewater )(?<!sewage )(?<!effluent )"
        r"treat(ment|ments|ing|ed)?(?! (plants?|works|facilit\w*|systems?|PLCs?|SCADA|HMIs?))",
        r"therap\w*",
        r"antidotes?",
        r"decontaminat\w*",
        r"protect\w*",
        r"defen[cs]es?",
        r"defend\w*",
        r"vaccin\w*",
        r"symptoms?",
        r"first aid",
        r"(medical )?countermeasures?",
        r"histor(y|ies|ical|ically)",
        r"treat(y|ies)",
        r"non-?proliferation",
        r"verif(y|ied|ication|ying)",
        r"inspections?",
        r"safeguards",
        r"shield(ing|ed|s)?",
        r"(safe|safely|secure|securely) (disposal|dispose|storage|store|handling)",
        r"secur(e|es|ed|ing|ity)",
        r"emergency (response|preparedness|planning|responders?)",
        r"preparedness",
        r"resilien\w*",
        r"mitigat\w*",
        r"harden(ing)?",
        r"incident response",
        r"lessons",
        r"disarmament",
        r"dosimetr\w*",
        r"clean(ing)?[- ]up",
        r"remediat\w*",
        r"counter-?terror\w*",
        r"prevent(ing|ion)? (an? |the )?(attacks?|proliferation|theft|diversion|exposure|"
        r"infections?|outbreaks?|spread|release|accidents?|sabotage|intrusions?)",
        r"audit\w*",
        r"alert(s|ing)? (if|when|on)",
        r"atropine",
        r"pralidoxime",
        r"shelter\w*",
        r"evacuat\w*",
        r"surveillance",
        r"(never|do not|don't|must not|should not|shouldn't) mix",
        r"(scheduled|planned|routine|preventive) maintenance|maintenance (outages?|windows?|crews?|"
        r"work)",
    ],
    "cyber_goal": [
        # an operator kept unaware while the process is driven out of bounds
        r"(while|so that|and) (the )?(HMIs?|operators?|screens?|displays?|SCADA)( still)? "
        r"(shows?|sees?|displays?|reads?|reports?) (normal|nothing)",
        r"spoof\w*",
        r"overdos\w*",
        r"sabotag\w*",
        r"take (it |them |the \w+ )?(down|offline|over)",
        r"shut (it |them |the \w+ )?down",
        r"bring (it |them |the \w+ )?down",
        r"knock (it |them |the \w+ )?out",
        r"disabl\w*",
        r"black ?outs?",
        r"cause (an? )?(blackout|outage|explosion|flood|overflow|meltdown|overpressure)",
        r"hack\w*",
        r"break into",
        r"gain (remote |unauthori[sz]ed )?(access|control)",
        r"take control",
        r"override\w*",
        r"manipulat\w*",
        r"poison\w*",
        r"contaminat\w*",
        r"tamper\w*",
        r"attack\w*",
        r"ransomware",
        r"malware",
        r"wipe\w*",
        r"destroy\w*",
        r"crippl\w*",
        r"undetected",
        r"without (being )?(detected|noticed)",
        # the process driven out of bounds, and the operators kept from seeing it
        r"suppress\w* (the |all |every |any )?(\w+ )?(alarms?|alerts?|trips?|interlocks?)",
        r"(mask|silenc|mute|hid)\w* (the |all |every |any )?(\w+ )?(alarms?|alerts?)",
        r"lock\w* out (the )?(operators?|HMIs?|engineers?|control room)",
        r"hid(e|ing) (the |this |these |any )?(changes?|it|them|\w+ change) from (the )?operators?",
        r"keep\w* (showing |displaying )?the last (normal|good|safe) (reading|value)s?",
        r"replay\w* (the )?(normal|recorded|old|good) (values|readings|data|traffic)",
        r"\d+ ?(x|times|×|-fold) (the )?(permitted|allowed|allowable|normal|safe|maximum|max|limit|"
        r"dose|setpoint)",
        r"(above|over|beyond|exceed\w*) (the )?(maximum|max|permitted|allowable|safe|"
        r"design)( allowable| operating| permitted| safe)?( pressure| limits?| levels?| dose)?",
        r"(open|trip)\w* (all|every) (the )?(\w+ )?(breakers?|switches|valves?|feeders?)",
        r"(maximum|full) stroke",
        r"(is|are|being|been|while) (bypassed|disabled|defeated|jumpered|overridden)",
        # the same two written in the passive and as a distance past the bound ("while the
        # alarms are silenced", "far past the limit"): the operator kept blind, the process
        # driven out of bounds on purpose
        r"(alarms?|alerts?|alarming) (are|is|were|was|get|gets|got|being|been|stay|stays|kept|"
        r"remain\w*) (\w+ )?(silenced|muted|masked|suppressed|hidden|disabled|inhibited)",
        # (an instruction's verb, not a report's past tense: "ran the pumps well over the
        # limit last night" is an incident)
        r"(open|opening|push|pushing|drive|driving|run|running|set|setting|raise|raising|crank|"
        r"cranking|ramp|ramping|turn|turning|keep|keeping|hold|holding) (\w+ ){0,8}(far|well|way) "
        r"(past|beyond|above|over) (the |its |their )?(\w+ )?(limits?|maximum|max|setpoints?)",
        r"keep\w* (the |all |every |its )?(\w+ )?(alarms?|alerts?) (\w+ )?(silenced|muted|masked|"
        r"suppressed|hidden|disabled|inhibited|quiet|off)",
        r"bypass\w*",
    ],
    "uplift": [
        # the particle size that reaches the deep lung, and keeping it in the air
        r"respirable",
        r"deep[- ]lung",
        r"keep (it|them|the \w+) airborne",
        r"(1|one) ?(-|–|to) ?5 ?(microns?|µm|um)",
        # selecting a pathogen for spread between mammals; drying and milling it
        r"(airborne|aerosol|human-to-human|mammal-to-mammal|respiratory) (transmission|spread)",
        r"transmission between (humans|mammals|people|ferrets)",
        r"(dried|powdered|milled) (\w+ )?(anthrax|spores?|toxin|ricin|botulinum|agent)",
        r"(dry|drying|mill|milling) (the |its )?(\w+ )?spores?",
        r"make (people|them|everyone|everybody|the (\w+ )?(people|students|crowd|occupants|"
        r"workers)) (sick|ill)",
        r"(serial )?passag\w* (\w+ ){0,2}(in|through) ferrets",
    ],
    "equipment": [
        # equipment named with a defensive word: disabling it is the attack, not defence
        r"protective (relays?|relaying|devices?|functions?|equipment|schemes?)",
        r"protection (relays?|relaying|systems?|schemes?|settings?|functions?|devices?|zones?)",
        r"relay protection",
    ],
    "weapons": [
        # agents that are weapons whatever is done with them: making one is the harm itself
        r"sarin|soman|tabun|cyclosarin|VX|novichoks?|nerve (agents?|gas)|sulfu?r mustard|"
        r"mustard (gas|agent)|lewisite|ricin|abrin|botulinum toxin|chemical weapons?|bio-?weapons?|"
        r"biological weapons?|dirty bombs?|radiological (dispersal|weapons?|bombs?|devices?)|"
        r"nuclear (weapons?|bombs?|devices?|warheads?)|improvised nuclear",
        r"methylphosphonyl difluoride|schedule 1 (chemicals?|precursors?)|smallpox|variola|"
        r"1918 influenza|spanish flu|horsepox",
    ],
    "production": [
        r"made",
    ],
    "countered": [
        # a strong goal named as what is defended against: protecting a source from theft
        r"(protect|secur|guard|safeguard)\w* (\w+ ){0,5}(from|against) (the )?(theft|smuggling|"
        r"diversion|sabotage|being stolen)",
        r"(prevent|stop|deter)\w* (the )?(\w+ ){0,3}(theft|smuggling|diversion)",
        r"anti-?(theft|smuggling)",
    ],
}

FR: dict[str, object] = {
    "agents": {
        CHEM: [
            r"sarin",
            r"soman",
            r"tabun",
            r"VX",
            r"novitch?oks?",
            r"agents? (neurotoxiques?|innervants?|chimiques?( de guerre)?|vésicants?)",
            r"neurotoxiques? de guerre",
            r"gaz (neurotoxiques?|moutarde|sarin|innervants?|de combat|toxiques?|mortels?)",
            r"ypérite",
            r"lewisite",
            r"phosgène",
            r"armes? chimiques?",
            r"chlore gazeux",
            r"cyanure d'hydrogène",
            r"acide cyanhydrique",
            r"précurseurs? (d'armes? chimiques?|du sarin|chimiques?)",
        ],
        BIO: [
            r"anthrax",
            r"maladie du charbon",
            r"(spores?|bacilles?|bactéries?) (du|de) charbon",
            r"bacillus anthracis",
            r"peste",
            r"variole",
            r"[ée]bola",
            r"marburg",
            r"toxines? botuliques?",
            r"botuli\w*",
            r"ricine",
            r"tularémie",
            r"armes? biologiques?",
            r"agents? (pathogènes?|biologiques?)",
            r"pathogènes?",
            r"virus (mortels?|dangereux|modifiés?|militarisés?)",
            r"H5N1",
            r"grippe aviaire",
            r"spores?",
        ],
        RAD: [
            r"bombes? sales?",
            r"dispositifs? de dispersion radiologique",
            r"armes? radiologiques?",
            r"c[ée]sium(-?137)?",
            r"cobalt(-?60)?",
            r"iridium(-?192)?",
            r"strontium(-?90)?",
            r"américium",
            r"polonium(-?210)?",
            r"sources? radioactives?",
            r"matières? radioactives?",
            r"matériaux radioactifs",
            r"sources? de gammagraphie",
        ],
        NUC: [
            r"armes? (nucléaires?|atomiques?)",
            r"bombes? (atomiques?|nucléaires?|A|H)",
            r"ogives? nucléaires?",
            r"engins? nucléaires?( improvisés?)?",
            r"uranium (hautement |très )?enrichi",
            r"UHE",
            r"de qualité militaire",
            r"plutonium",
            r"matières? fissiles?",
            r"masse critique",
            r"centrifugeuses?",
            r"usines? d'enrichissement",
            r"centrales? nucléaires?",
        ],
        CYBER: [
            r"SCADA",
            r"automates? (programmables?|industriels?)",
            r"systèmes? de contrôle(-commande)? industriels?",
            r"réseaux? électriques?",
            r"postes? électriques?",
            r"sous-stations?",
            r"stations? d'épuration",
            r"usines? de (traitement|production) (de l'|d'|des )eaux?( potable)?",
            r"réseaux? d'eau( potable)?",
            r"gazoducs?",
            r"oléoducs?",
            r"automates?",
            r"(station|usine|réseau)s? d'eau potable",
            r"eau potable",
            # a town's water utility named as its works ("le service des eaux de la ville")
            r"(services?|régies?|compagnies?|usines?|sociétés?) (municipale?s? |communale?s? )?des "
            r"eaux",
        ],
    },
    "uplift": [
        r"lâcher",
        r"infecter",
        r"comme arme",
        r"militaris\w*",
        r"aérosol\w*",
        r"dispers\w*",
        r"répand\w*",
        r"dissémin\w*",
        r"pulvéris\w*",
        r"libérer\w*",
        r"plus (mortel|mortelle|létal|létale|contagieux|contagieuse|transmissible|virulent|"
        r"virulente|stable|persistant|persistante|dangereux|dangereuse|efficace)",
        r"transmissib\w*",
        r"stabilis\w*",
        r"attaqu\w*",
        r"tuer",
        r"empoisonn\w*",
        r"victimes",
        r"sabot\w*",
        r"faire exploser",
        r"contamin\w*",
        r"rendement",
    ],
    "targets": [
        r"dans le métro",
        r"dans (une|la) foule",
        r"dans (un|le) stade",
        r"(le |un )?réseau d'eau potable",
    ],
    "strong": [
        r"sans passer (par|devant) (\w+ ){0,4}?(garanties|douanes?|contrôles?|inspect\w*|"
        r"détecteurs|portiques|l'AIEA|vérifications?|permis|autorisations?|biosécurité)"
        r"( de \w+)?|"
        r"sans passer par",
        r"cach\w*",
        r"indétectable\w*",
        r"résistan\w* aux (antibiotiques|vaccins|traitements|antidotes)",
        r"résistan\w* (au|à l'|à la) ?(antibiotique|vaccin|traitement|antidote|vaccination)s?",
        r"sans que (l'|le |la |les )?(\w+ ){0,3}(ne )?(le |la |les |l'|s'en )?(voie|voient|détecte|"
        r"détectent|remarque|remarquent|repère|repèrent|aperçoive|aperçoivent|signale|signalent)",
        r"difficile à (décontaminer|détecter|soigner|traiter|nettoyer)",
        r"(traverser|percer|contourner) (les )?(masques|filtres|combinaisons|vaccins)",
        r"sans (être|se faire) (détecté|détectée|repéré|repérée|remarqué|remarquée|prendre|"
        r"attraper)\w*",
        r"sans (licence|autorisation|permis|déclaration)",
        r"sans que personne\w*",
        r"(échapper|échappant) (aux?|à la|à) \w+",
        r"contourn\w*",
        r"en secret",
        r"secrètement",
        r"clandestin\w*",
        r"contrebande",
        r"en fraude",
        r"vol(er|é|ée|és)",
        r"dérob\w*",
        r"détourn\w*",
        r"marché noir",
        r"sociétés? écrans?",
        r"contre (des|la|les) (gens|population|civils|foule)",
        r"pertes massives",
        r"(le plus|plus) (mortel|létal|contagieux|transmissible|virulent)\w*",
        r"déclencher une (pandémie|épidémie)",
        r"comme arme",
        r"en (faire )?une arme",
        r"désactiv\w* (\w+ )?protections?",
    ],
    "production": [
        r"recette",
        r"concevoir",
        r"conception",
        r"recréer",
        r"reconstrui\w*",
        r"reconstituer",
        r"(a|ont|avait|avaient)(-t-(il|elle|on|ils|elles))? produit",
        r"usin\w*",
        r"made",
        r"built",
        r"grew",
        r"set up",
        r"reconstruct\w*",
        r"turn\w* (\w+ )?into (a )?weapons?",
        r"fabriqu\w*",
        r"produi(re|s|sons|sez|sent)",
        r"production",
        r"synthétis\w*",
        r"synthèse",
        r"prépar\w*",
        r"cultiv\w*",
        r"extrai\w*",
        r"purifi\w*",
        r"isol\w*",
        r"assembl\w*",
        r"construi\w*",
        r"achet\w*",
        r"obteni\w*",
        r"obtien\w*",
        r"procurer",
        r"acquéri\w*",
        r"modifi\w*",
    ],
    "operational": [
        r"étapes",
        r"il me faut",
        r"(me )?faut-il",
        r"écri(s|vez|re)",
        r"utiliser",
        r"comment",
        r"explique\w*",
        r"expliqu\w*-moi",
        r"donne\w*(-moi)?",
        r"dis-moi",
        r"dites-moi",
        r"indique\w*",
        r"étape par étape",
        r"instructions?",
        r"protocole",
        r"procédure",
        r"recette",
        r"où (acheter|trouver|puis-je|peut-on|me procurer)",
        r"je veux",
        r"je voudrais",
        r"j'ai besoin",
        r"aide\w*-moi",
        r"meilleure? (façon|moyen|méthode|manière)",
        r"la plus efficace",
        r"le plus efficace",
        r"liste\w*",
        r"calcul\w*",
        r"quelle quantité",
        r"combien",
        r"renvoie",
        r"génère",
        r"fournit",
    ],
    "defensive": [
        r"stérilis\w*",
        r"autoclave\w*",
        r"désinfect\w*",
        r"inactiv\w*",
        r"secours",
        r"hôpitaux",
        r"hôpital",
        r"réagi",
        r"victimes",
        r"détect\w*",
        r"dépist\w*",
        r"diagnos\w*",
        r"traitement\w*(?! (de l'|des |d')eaux?)",
        r"trait(er|e) les (victimes|patients|personnes|blessés)",
        r"soign\w*",
        r"antidotes?",
        r"décontamin\w*",
        r"protég\w*",
        r"protection",
        r"défense",
        r"se défendre",
        r"vaccin\w*",
        r"symptômes?",
        r"premiers secours",
        r"histoire",
        r"historique\w*",
        r"traités?",
        r"non-prolifération",
        r"vérifi\w*",
        r"inspections?",
        r"garanties",
        r"blindage",
        r"radioprotection",
        r"écrans? de plomb",
        r"sûreté",
        r"sécuris\w*",
        r"prévenir (les|la|un|une|des) \w+",
        r"désarmement",
        r"interdiction",
        r"destruction des stocks",
        r"(intervention|réponse|plan) d'urgence",
        r"leçons",
    ],
    "cyber_goal": [
        r"pénétrer",
        r"sabot\w*",
        r"paralys\w*",
        r"mettre hors (service|d'état)",
        r"couper (le courant|l'électricité|l'eau)",
        r"(provoquer|causer) une (panne|explosion|coupure)",
        r"panne générale",
        r"black-out",
        r"pirat\w*",
        r"s'introduire",
        r"prendre le contrôle",
        r"désactiv\w*",
        r"manipul\w*",
        r"empoisonn\w*",
        r"contamin\w*",
        r"attaqu\w*",
        r"rançongiciels?",
        r"logiciels? malveillants?",
        r"détrui\w*",
        r"sans être détecté\w*",
        r"(ouvrir|déclencher) tous les disjoncteurs",
        r"(masqu|supprim|désactiv|cach|inhib)\w* (les |des |toutes les )?alarmes?",
        r"(\d+|dix|cent|mille) fois (la |le )?(limite|dose|norme|valeur|maximum)",
        # the alarms kept quiet, in the passive while the process runs or as a state kept
        # ("pendant que les alarmes restent muettes", "en gardant les alarmes masquées"; not
        # "étaient masquées", a report, nor "on suppose que les alarmes sont masquées", a drill)
        r"(pendant que|tandis que|tant que|de sorte que|pour que|afin que) (les |toutes les )?"
        r"(\S+ ){0,3}?alarmes? (\S+ ){0,3}?(sont|soient|restent|reste|demeurent|est|soit|sera|"
        r"seront|resteront|restant) (\w+ )?(masquées?|muettes?|inhibées?|désactivées?|coupées?|"
        r"neutralisées?|shuntées?|supprimées?|cachées?|réduites? au silence|silencieuses?)",
        r"(garde[rz]?|gardant|laisse[rz]?|laissant|maintenir|maintiens|maintenez|maintenant|"
        r"tenir|tiens|tenez|tenant) (les |toutes les )?(\S+ )?alarmes? (\S+ )?(masquées|muettes|"
        r"inhibées|désactivées|coupées|neutralisées|shuntées|silencieuses|en silence|réduites au "
        r"silence)",
        # the process driven far past its bound by an instruction (infinitive, imperative,
        # gerund: "ouvrir ... bien au-delà de la limite"; "a poussé ... bien au-delà", a report,
        # is not read)
        r"(ouvrir|ouvre|ouvrez|ouvrant|pousser|pousse|poussez|poussant|porter|porte|portez|"
        r"portant|monter|monte|montez|faire|fais|faites|faisant|régler|réglez|réglant|règle|"
        r"forcer|force|forcez|forçant|maintenir|maintiens|maintenez|augmenter|augmente|augmentez|"
        r"augmentant|amener|amène|amenez|amenant|doser|dose|dosez|dosant|laisser|laisse|laissez"
        r") (\S+ ){0,12}?(bien|très|largement|nettement|loin) (au-delà|au-dessus|en dessus) "
        r"(de la |du |des |de l'|de )?(\w+ )?(limites?|maximum|seuils?|consignes?|valeurs? "
        r"maximales?|points? de consigne|plafond)",
    ],
    "equipment": [
        r"relais de protection",
        r"dispositifs? de protection",
        r"protections? (du réseau|du poste|électriques?)",
    ],
    "weapons": [
        r"sarin|soman|tabun|VX|ricine|ypérite|agents? neurotoxiques?|armes? (chimiques?|"
        r"biologiques?|nucléaires?)|bombes? sales?",
    ],
    "countered": [
        r"(protég|protèg|protect|sécuris)\w* (\w+ ){0,5}contre (le |la )?(vol|contrebande)",
    ],
}

DE: dict[str, object] = {
    "agents": {
        CHEM: [
            r"\w*nervengas\w*",
            r"\w*sarin\w*",
            r"soman",
            r"tabun",
            r"VX",
            r"nowitschok\w*",
            r"\w*nervenkampfstoff\w*",
            r"nervengas\w*",
            r"nervengift\w*",
            r"senfgas\w*",
            r"schwefellost",
            r"lewisit",
            r"phosgen",
            r"\w*chemiewaffe\w*",
            r"chemische\w* (waffe\w*|kampfstoff\w*)",
            r"\w*kampfstoff\w*",
            r"giftgas\w*",
            r"chlorgas",
            r"blausäure",
            r"cyanwasserstoff",
            r"zyanwasserstoff",
        ],
        BIO: [
            r"\w*pocken\w*",
            r"\w*pest(bakterien|kultur|erreger)\w*",
            r"\w*milzbrand\w*",
            r"\w*milzbrand\w*",
            r"anthrax\w*",
            r"bacillus anthracis",
            r"pest",
            r"pesterreger\w*",
            r"pocken\w*",
            r"ebola\w*",
            r"marburg\w*",
            r"botulinum\w*",
            r"botulismus\w*",
            r"rizin\w*",
            r"tularämie",
            r"\w*biowaffe\w*",
            r"biologische\w* (waffe\w*|kampfstoff\w*)",
            r"krankheitserreger\w*",
            r"erreger\w*",
            r"pathogen\w*",
            r"H5N1",
            r"vogelgrippe\w*",
            r"sporen",
        ],
        RAD: [
            r"\w*radiographie\w*",
            r"schmutzige\w* bombe\w*",
            r"radiologische\w* waffe\w*",
            r"c[äa]esium\w*",
            r"cäsium\w*",
            r"kobalt\w*",
            r"iridium\w*",
            r"strontium\w*",
            r"americium\w*",
            r"polonium\w*",
            r"radioaktive\w* (quelle\w*|material\w*|stoff\w*|substanz\w*)",
            r"strahlenquelle\w*",
            r"strahlungsquelle\w*",
        ],
        NUC: [
            r"\w*atombombe\w*",
            r"\w*kernwaffe\w*",
            r"\w*atomwaffe\w*",
            r"implosions\w*",
            r"\w*plutonium\w*",
            r"atomwaffe\w*",
            r"kernwaffe\w*",
            r"nuklearwaffe\w*",
            r"atombombe\w*",
            r"\w*sprengkopf\w*",
            r"nukleare\w* (sprengsatz\w*|sprengkörper\w*|waffe\w*)",
            r"(hoch)?angereichert\w* uran\w*",
            r"waffenfähig\w*",
            r"plutonium\w*",
            r"spaltbar\w* material\w*",
            r"kritische\w* masse",
            r"\w*zentrifuge\w*",
            r"anreicherungsanlage\w*",
            r"kernkraftwerk\w*",
            r"atomkraftwerk\w*",
            r"AKW",
        ],
        CYBER: [
            r"SCADA",
            r"SPS",
            r"speicherprogrammierbare\w* steuerung\w*",
            r"industriesteuerung\w*",
            r"industrielle\w* steuerung\w*",
            r"\w*leitsystem\w*",
            r"stromnetz\w*",
            r"umspannwerk\w*",
            r"wasserwerk\w*",
            # a town's water utility named as its supplier ("der städtische Wasserversorger"; the
            # works, "Wasserwerk", is above; "Stadtwerke" runs power and gas too, and a CERT's
            # deployment prompt names it beside its attackers)
            r"\w*wasserversorger\w*",
            r"kläranlage\w*",
            r"\w*wasserversorgung\w*",
            r"pipeline\w*",
            r"gasleitung\w*",
        ],
    },
    "uplift": [
        r"verbreite",
        r"verbreitest",
        r"verteile\w*",
        r"setze\w* (\w+ ){1,8}frei",
        r"als waffe (\w+ ){0,4}ein",
        r"übertragbarer\w*",
        r"waffenfähig\w*",
        r"als waffe",
        r"zur waffe",
        r"aerosol\w*",
        r"versprüh\w*",
        r"verbreiten",
        r"freisetz\w*",
        r"freizusetzen",
        r"tödlicher\w*",
        r"ansteckender\w*",
        r"übertragbarer\w*",
        r"virulenter\w*",
        r"stabiler\w*",
        r"stabilisier\w*",
        r"anschlag\w*",
        r"angriff\w*",
        r"angreifen",
        r"töten",
        r"umbringen",
        r"vergift\w*",
        r"sabot\w*",
        r"zünden",
        r"sprengen",
        r"kontaminier\w*",
        r"verseuch\w*",
    ],
    "targets": [
        r"in der u-bahn",
        r"in (einer|die) menschenmenge",
        r"im stadion",
        r"(ins|in das) trinkwasser\w*",
    ],
    "strong": [
        r"ohne \w*(genehmigung|lizenz|erlaubnis)\w*",
        r"stehle\w*",
        r"stiehl\w*",
        r"versteck\w*",
        r"verberg\w*",
        r"vor (den )?\w*(inspektoren|prüfern)",
        r"durch den zoll",
        r"resistent gegen (antibiotika|impfstoffe|behandlung\w*)",
        r"\w*resisten(t|z)\w*",
        r"schwer (zu )?(dekontaminieren|entdecken|nachzuweisen|behandeln|entfernen)",
        r"(schutzmasken|filter|schutzanzüge) (durchdring\w*|überwind\w*)",
        r"unbemerkt",
        r"unentdeckt",
        r"ohne dass (\w+ ){0,4}(auffällt|auffallen|bemerkt|entdeckt|merkt|merken|mitbekommt)",
        r"ohne (lizenz|genehmigung|erlaubnis|dass es jemand\w*|entdeckt|aufzufallen|"
        r"erwischt)\w*",
        r"heimlich\w*",
        r"verdeckt\w*",
        r"schmuggel\w*",
        r"schmuggeln",
        r"stehlen",
        r"gestohlen\w*",
        r"abzweigen",
        r"umgeh\w*",
        r"(inspektoren|kontrolleure|zoll|exportkontrolle\w*) (täuschen|umgehen|austricksen)",
        r"schwarzmarkt",
        r"tarnfirma\w*",
        r"gegen (menschen|zivilisten|die bevölkerung)",
        r"massenvernichtung\w*",
        r"eine (pandemie|epidemie) auslösen",
        r"schutz\w* (deaktivier|abschalt|überbrück|umgeh)\w*",
    ],
    "production": [
        r"rezept",
        r"konstruktion",
        r"stelle\w* (\w+ ){1,8}(wieder )?her",
        r"nachbau\w*",
        r"nachzubauen",
        r"wiederherstell\w*",
        r"rekonstruier\w*",
        r"nachmachen",
        r"konstruier\w*",
        r"entwurf",
        r"entwerfen",
        r"züchte\w*",
        r"gewinne",
        r"kaufe\w*",
        r"bestell\w*",
        r"herstell\w*",
        r"herzustellen",
        r"hergestellt",
        r"produzier\w*",
        r"synthetisier\w*",
        r"synthese\w*",
        r"züchten",
        r"züchte",
        r"kultivier\w*",
        r"gewinnen",
        r"extrahier\w*",
        r"reinig\w*",
        r"isolier\w*",
        r"bauen",
        r"baue",
        r"zusammenbauen",
        r"kaufen",
        r"kaufe",
        r"beschaff\w*",
        r"besorg\w*",
        r"bekomm\w*",
        r"machen",
        r"mache",
    ],
    "operational": [
        r"schritte",
        r"wie \w+ (ich|man|wir)",
        r"(brauche|muss|soll|kann) ich",
        r"schreib\w*",
        r"nenne\w*",
        r"wie (kann|könnte|können|mache|macht|stelle|stellt|baue|bekomme|würde|sollte?|"
        r"lässt|man)",
        r"erkläre?",
        r"erklär mir",
        r"gib mir",
        r"geben sie mir",
        r"sag mir",
        r"zeig mir",
        r"schritt für schritt",
        r"anleitung\w*",
        r"anweisung\w*",
        r"protokoll",
        r"verfahren",
        r"rezept",
        r"wo (kann|bekomme|kaufe|finde)",
        r"ich will",
        r"ich möchte",
        r"ich brauche",
        r"hilf mir",
        r"beste\w* (weg|methode|art)",
        r"am effektivsten",
        r"liste\w*",
        r"berechne\w*",
        r"wie viel\w*",
        r"gibt .{0,40} zurück",
        r"liefert",
        r"erzeugt",
    ],
    "defensive": [
        r"sterilis\w*",
        r"autoklav\w*",
        r"desinfi\w*",
        r"inaktivier\w*",
        r"krankenhäuser\w*",
        r"krankenhaus\w*",
        r"rettungskräfte\w*",
        r"opfer",
        r"erkenn\w*",
        r"nachweis\w*",
        r"nachzuweisen",
        r"detektier\w*",
        r"detektor\w*",
        r"diagnos\w*",
        r"behandl\w*",
        r"behandel\w*",
        r"therapie\w*",
        r"gegenmittel\w*",
        r"antidot\w*",
        r"dekontamin\w*",
        r"schütz\w*",
        r"schutz\w*",
        r"abwehr\w*",
        r"verteidigung\w*",
        r"impf\w*",
        r"symptom\w*",
        r"erste hilfe",
        r"geschichte",
        r"historisch\w*",
        r"vertrag\w*",
        r"nichtverbreitung\w*",
        r"nonproliferation",
        r"verifikation\w*",
        r"überprüf\w*",
        r"inspektion\w*",
        r"abschirm\w*",
        r"strahlenschutz\w*",
        r"sicherheit\w*",
        r"sichern",
        r"absichern",
        r"abrüstung\w*",
        r"vernichtung\w*",
        r"notfall\w*",
        r"lehren",
        r"verhindern",
        r"verhüt\w*",
        r"wartung\w*",
        r"instandhaltung\w*",
        r"freischalt\w*",
    ],
    "cyber_goal": [
        r"dringe\w*",
        r"schadsoftware",
        r"(alle|sämtliche|jede\w*) (\w+ )?(\w*schalter|ventile|schleusen)\w* (zu )?öffne\w*",
        r"öffne\w* (alle|sämtliche|jede\w*) (\w+ )?(\w*schalter|ventile|schleusen)\w*",
        r"sabot\w*",
        r"lahm\w*",
        r"lahmzulegen",
        r"ausschalten",
        r"abschalten",
        r"stromausfall\w*",
        r"blackout\w*",
        r"hack\w*",
        r"eindring\w*",
        r"übernehmen",
        r"kontrolle übernehmen",
        r"deaktivier\w*",
        r"manipulier\w*",
        r"vergift\w*",
        r"angreif\w*",
        r"angriff\w*",
        r"schadsoftware",
        r"ransomware",
        r"zerstör\w*",
        r"unbemerkt",
        r"alle (leistungs)?schalter (öffnen|auslösen)",
        r"alarm\w* (unterdrück|ausblend|deaktivier|verberg|stumm)\w*",
        r"(unterdrück|verberg|deaktivier)\w* (\w+ )?alarm\w*",
        r"(\d+|zehn|hundert|tausend)-?fache\w* (des )?(\w+ )?(grenzwert|höchstwert|zulässig)\w*",
        # the alarms kept quiet while the process runs ("während die Alarme abgeschaltet
        # bleiben"; not "abgeschaltet waren", a report, nor "nehmen wir an, dass die Alarme
        # abgeschaltet sind", a drill)
        r"(während|solange|wobei|damit|sodass|so dass) (die |alle |sämtliche )?(\S+ ){0,3}?alarm\w*"
        r" (\S+ ){0,3}?(stummgeschaltet|abgeschaltet|ausgeschaltet|unterdrückt|maskiert|"
        r"ausgeblendet|deaktiviert|gesperrt|überbrückt|stumm|still|aus) (sind|ist|bleiben|bleibt|"
        r"werden|wird|hält|halten|lässt|lassen|zu halten|zu lassen|gehalten werden)",
        # the process driven far past its bound by an instruction: the infinitive at the end
        # ("weit über den Grenzwert hochzufahren", "... laufen lassen") or the imperative in
        # front ("fahr die Pumpen weit über den Sollwert"); "hochgefahren", a report, is not read
        r"(weit|deutlich|erheblich|massiv|viel) über (den|dem|die|das) (\w+ )?(\w*grenzwert|"
        r"höchstwert|maximalwert|maximum|sollwert|limit|höchststand|\w*grenze)\w* (hinaus )?"
        r"(\w+ )?((hoch|auf|an|hinauf|hinaus)?(zu)?(fahren|treiben|öffnen|drehen|stellen|regeln|"
        r"steigern|erhöhen|halten|pumpen|dosieren|betreiben|bringen)|(laufen|arbeiten|fördern|"
        r"steigen) (zu )?lassen)",
        r"(fahre?|treibe?|öffne|erhöhe|stelle?|drehe?|halte?|steigere?|bringe?|lass|lasse) "
        r"(\S+ ){0,8}?(weit|deutlich|erheblich|massiv|viel) über (den|dem|die|das) (\w+ )?"
        r"(\w*grenzwert|höchstwert|maximalwert|maximum|sollwert|limit|höchststand|\w*grenze)\w*",
    ],
    "equipment": [
        r"\w*schutzrelais\w*",
        r"schutzeinrichtung\w*",
        r"netzschutz\w*",
        r"schutztechnik",
    ],
    "weapons": [
        r"sarin|soman|tabun|VX|rizin|senfgas|\w*nervenkampfstoff\w*|\w*nervengas\w*|(chemische|"
        r"biologische)n? waffen?|atombombe\w*|schmutzige\w* bombe\w*",
    ],
    "countered": [
        r"(vor|gegen) (\w+ )?(diebstahl|schmuggel)\w* (\w+ )?(schütz|sicher)\w*",
        r"(schütz|sicher)\w* (\w+ ){0,5}(vor|gegen) (\w+ )?(diebstahl|schmuggel)\w*",
    ],
}

ES: dict[str, object] = {
    "agents": {
        CHEM: [
            r"sar[íi]n",
            r"som[áa]n",
            r"tab[úu]n",
            r"VX",
            r"novichok\w*",
            r"agentes? (nerviosos?|neurotóxicos?|químicos?( de guerra)?|vesicantes?)",
            r"gas(es)? (nerviosos?|sar[íi]n|mostaza|tóxicos?|venenosos?|letales?|de combate)",
            r"iperita",
            r"lewisita",
            r"fosgeno",
            r"armas? químicas?",
            r"cloro gaseoso",
            r"cianuro de hidrógeno",
            r"ácido cianhídrico",
            r"precursor(es)? (de armas químicas|del sar[íi]n|químicos?)",
        ],
        BIO: [
            r"[áa]ntrax",
            r"carbunco",
            r"bacillus anthracis",
            r"peste",
            r"viruela",
            r"[ée]bola",
            r"marburgo?",
            r"toxinas? botulínicas?",
            r"botul\w*",
            r"ricina",
            r"tularemia",
            r"armas? biológicas?",
            r"agentes? (patógenos?|biológicos?)",
            r"patógenos?",
            r"virus (letales?|mortales?|peligrosos?|modificados?)",
            r"H5N1",
            r"gripe aviar",
            r"esporas?",
        ],
        RAD: [
            r"fuentes? de radiografía( industrial)?",
            r"bombas? sucias?",
            r"dispositivos? de dispersión radiológica",
            r"armas? radiológicas?",
            r"cesio(-?137)?",
            r"cobalto(-?60)?",
            r"iridio(-?192)?",
            r"estroncio(-?90)?",
            r"americio",
            r"polonio(-?210)?",
            r"fuentes? radiactivas?",
            r"material(es)? radiactivos?",
            r"material radiactivo",
            r"fuentes? de gammagrafía",
        ],
        NUC: [
            r"armas? (nucleares?|atómicas?)",
            r"bombas? (atómicas?|nuclear(es)?)",
            r"ojivas? nuclear(es)?",
            r"artefactos? nuclear(es)?( improvisados?)?",
            r"uranio (altamente |muy )?enriquecido",
            r"UAE",
            r"grado (militar|armamentístico)",
            r"apto para armas",
            r"plutonio",
            r"material(es)? (fisibles?|fisionables?)",
            r"masa crítica",
            r"centrifugadoras?",
            r"plantas? de enriquecimiento",
            r"central(es)? nuclear(es)?",
        ],
        CYBER: [
            r"SCADA",
            r"PLCs?",
            r"autómatas? programables?",
            r"sistemas? de control industrial(es)?",
            r"red(es)? eléctricas?",
            r"subestaci\w*",
            r"plantas? (de tratamiento|potabilizadoras?) de agua",
            r"potabilizadoras?",
            r"suministro de agua",
            r"red de agua potable",
            r"gasoductos?",
            r"oleoductos?",
            r"agua potable",
            # a town's water utility named as its works ("la compañía de aguas del municipio")
            r"(compañías?|empresas?|servicios?|sociedad(es)?) (municipal(es)? )?de aguas?"
            r"( municipal(es)?)?",
            r"depuradoras?",
        ],
    },
    "uplift": [
        r"propag\w*",
        r"convertir\w* en (un )?arma",
        r"militariz\w*",
        r"aerosoliz\w*",
        r"aerosol(es)?",
        r"dispers\w*",
        r"esparc\w*",
        r"rociar",
        r"liber(ar|a|an|ó|arlo|arla|ación)",
        r"más (letal|mortal|contagioso|contagiosa|transmisible|virulento|virulenta|estable|"
        r"persistente|peligroso|peligrosa|eficaz)",
        r"transmisib\w*",
        r"estabiliz\w*",
        r"atentados?",
        r"atacar\w*",
        r"matar",
        r"envenen\w*",
        r"víctimas",
        r"sabot\w*",
        r"detonar",
        r"hacer explotar",
        r"contamin\w*",
    ],
    "targets": [
        r"en el metro",
        r"en (una|la) multitud",
        r"en (un|el) estadio",
        r"(el )?suministro de agua (de la ciudad|potable)",
    ],
    "strong": [
        r"robo",
        r"ocult\w*",
        r"sin pasar por (\w+ ){0,4}?(salvaguardias|aduanas?|controles?|inspecci\w*|detectores|"
        r"pórticos|verificaci\w*|permisos?|licencias?|bioseguridad)( de \w+)?|sin pasar por",
        r"que no se detecte",
        r"sin que (lo |la |los |las |le |les |se )?(\w+ ){0,3}(lo |la |se )?(detecte|detecten|note|"
        r"noten|vea|vean|descubra|descubran|registre|registren|entere|enteren)\b",
        r"resistentes? a (los )?(antibióticos|vacunas|tratamientos?|antídotos?)",
        r"difícil de (descontaminar|detectar|tratar|limpiar)",
        r"(atravesar|penetrar|burlar) (las )?(máscaras|filtros|trajes|vacunas)",
        r"sin (ser|que me) (detectad|descubiert|atrapad|pillad)\w*",
        r"sin (licencia|permiso|autorización|declararlo)",
        r"sin que nadie\w*",
        r"sin levantar sospechas",
        r"(eludir|evadir|burlar|esquivar|evitar) (a )?(los |las |la |el )?(inspector\w*|control\w*|"
        r"aduana|detección|detectores|vigilancia)",
        r"(eludir|evadir|burlar)\w*",
        r"en secreto",
        r"secretamente",
        r"clandestin\w*",
        r"contraband\w*",
        r"robar",
        r"robad\w*",
        r"desvi\w*",
        r"mercado negro",
        r"empresas? pantalla",
        r"contra (la gente|la población|civiles|una multitud)",
        r"víctimas masivas",
        r"(lo )?más (letal|mortal|contagioso|transmisible|virulento)",
        r"(desatar|provocar|iniciar) una (pandemia|epidemia)",
        r"como arma",
        r"en un arma",
        r"desactiv\w* (\w+ )?proteccion(es)?",
    ],
    "production": [
        r"receta",
        r"diseñ\w*",
        r"recre(o|ar|arla|arlo)",
        r"reconstru\w*",
        r"mecaniz\w*",
        r"fabric\w*",
        r"produc\w*",
        r"sintetiz\w*",
        r"síntesis",
        r"prepar\w*",
        r"cultiv\w*",
        r"extrae\w*",
        r"extraer",
        r"purific\w*",
        r"aisl\w*",
        r"ensambl\w*",
        r"constru\w*",
        r"arma(r|rla|rlo)",
        r"compr(ar|o|a|é|ado|ada|arlo|arla)",
        r"consegu\w*",
        r"obten\w*",
        r"adquiri\w*",
        r"modific\w*",
        r"hacer",
        r"hago",
    ],
    "operational": [
        r"pasos",
        r"debo",
        r"escrib\w*",
        r"usar",
        r"utilizar",
        r"cómo",
        r"como (puedo|podría|se puede|hago|hacer|fabrico|consigo|obtengo)",
        r"dime",
        r"díganme",
        r"explíca\w*",
        r"explica(me)?",
        r"dame",
        r"indíca\w*",
        r"paso a paso",
        r"instrucciones",
        r"protocolo",
        r"procedimiento",
        r"receta",
        r"dónde (comprar|conseguir|puedo|se puede|encontrar)",
        r"dónde (consigo|compro|obtengo|encuentro|adquiero|consigue|compra)",
        r"quiero",
        r"necesito",
        r"ayúdame",
        r"(la )?mejor (manera|forma|método)",
        r"más eficaz",
        r"lista\w*",
        r"calcul\w*",
        r"cuánto\w*",
        r"devuelve",
        r"genera",
        r"proporciona",
    ],
    "defensive": [
        r"esteriliz\w*",
        r"autoclave\w*",
        r"desinfect\w*",
        r"inactiv\w*",
        r"hospitales",
        r"respondieron",
        r"víctimas",
        r"(?<!smoke )detect\w*",
        r"diagnós\w*",
        r"diagnost\w*",
        r"tratamientos?(?! (de|del) (agua|aguas))",
        r"tratar a (las víctimas|los pacientes|las personas|los heridos)",
        r"antídotos?",
        r"descontamin\w*",
        r"proteg\w*",
        r"protección",
        r"defensa",
        r"defender\w*",
        r"vacun\w*",
        r"síntomas?",
        r"primeros auxilios",
        r"historia",
        r"históric\w*",
        r"tratados?",
        r"no proliferación",
        r"verific\w*",
        r"inspecci\w*",
        r"salvaguardias",
        r"blindaje",
        r"radioprotección",
        r"seguridad",
        r"desarme",
        r"destrucción de (los )?arsenales",
        r"emergencias?",
        r"lecciones",
        r"prevenir",
    ],
    "cyber_goal": [
        r"entr(o|ar) en",
        r"sabot\w*",
        r"paraliz\w*",
        r"dejar fuera de servicio",
        r"apag\w*",
        r"apagón",
        r"hacke\w*",
        r"hackear",
        r"pirate\w*",
        r"entrar en",
        r"tomar el control",
        r"desactiv\w*",
        r"manipul\w*",
        r"envenen\w*",
        r"contamin\w*",
        r"atac\w*",
        r"ataques?",
        r"ransomware",
        r"malware",
        r"destru\w*",
        r"sin ser detectad\w*",
        r"(abrir|disparar) todos los (interruptores|disyuntores)",
        r"(ocult|suprim|desactiv|silenci|enmascar)\w* (las |todas las )?alarmas?",
        r"(\d+|diez|cien|mil) veces (el |la )?(límite|máximo|permitid\w*|dosis|norma)",
        # the alarms kept quiet while the process runs, or as a state kept ("mientras las alarmas
        # están silenciadas", "manteniendo las alarmas enmascaradas"; not "estaban", a report,
        # nor "suponemos que las alarmas están silenciadas", a drill)
        r"(mientras|en tanto|de modo que|de forma que|para que|siempre que) (las |todas las )?"
        r"(\S+ ){0,3}?alarmas? (\S+ ){0,3}?(están|estén|siguen|sigan|permanecen|permanezcan|"
        r"quedan|queden|continúan|continúen|estarán|quedarán|sean|son) (\w+ )?(silenciadas|"
        r"enmascaradas|ocultas|ocultadas|suprimidas|inhibidas|anuladas|apagadas|mudas|"
        r"desactivadas|bloqueadas|puenteadas)",
        r"(mantener|mantén|manten|mantenga|mantengan|manteniendo|dejar|deja|deje|dejen|dejando|"
        r"tener|ten|teniendo)(las)? (las |todas las )?(\S+ )?alarmas? (\S+ )?(silenciadas|"
        r"enmascaradas|ocultas|suprimidas|inhibidas|anuladas|apagadas|mudas|desactivadas|"
        r"bloqueadas|puenteadas)",
        # the process driven far past its bound by an instruction (infinitive, imperative,
        # gerund: "abrir ... muy por encima del límite"; "funcionaron muy por encima", a report,
        # is not read)
        r"(abrir|abre|abra|abran|abriendo|subir|sube|suba|suban|subiendo|llevar|lleve|lleven|"
        r"llevando|forzar|fuerza|fuerce|forzando|empujar|empuja|empuje|empujando|poner|pon|ponga|"
        r"poniendo|mantener|mantén|manten|mantenga|manteniendo|hacer|haz|haga|haciendo|aumentar|"
        r"aumenta|aumente|aumentando|elevar|eleva|eleve|elevando|dejar|deja|deje|dejando|operar|"
        r"opera|opere|operando|ajustar|ajusta|ajuste|ajustando|configurar|configura|configure|"
        r"dosificar|dosifica|dosifique|dosificando|bombear|bombea|bombee|bombeando)(l[oa]s?|l[ae])?"
        r" (\S+ ){0,12}?(muy|mucho|bastante|muchísimo|considerablemente) (por encima|más allá|más "
        r"arriba) (del|de la|de los|de las|de) (\w+ )?(límites?|máximos?|consignas?|puntos? de "
        r"(ajuste|consigna)|valor(es)? máximos?|umbral(es)?|tope)",
    ],
    "equipment": [
        r"relés? de protección",
        r"dispositivos? de protección",
        r"proteccion(es)? (de la|del) (subestación|red)",
    ],
    "weapons": [
        r"sar[ií]n|som[aá]n|tab[uú]n|VX|ricina|gas mostaza|agentes? nerviosos?|armas? (químicas?|"
        r"biológicas?|nuclear(es)?)|bombas? sucias?",
    ],
    "countered": [
        r"(proteg|asegur)\w* (\w+ ){0,5}contra (el )?(robo|contrabando)",
    ],
}

RU: dict[str, object] = {
    "agents": {
        CHEM: [
            r"зарин\w*",
            r"зоман\w*",
            r"табун\w*",
            r"VX",
            r"ви-икс",
            r"нервно-паралитическ\w*",
            r"иприт\w*",
            r"люизит\w*",
            r"фосген\w*",
            r"химическ\w* оружи\w*",
            r"отравляющ\w* веществ\w*",
            r"боев\w* отравляющ\w*",
            r"газообразн\w* хлор\w*",
            r"хлорн\w* газ\w*",
            r"синильн\w* кислот\w*",
            r"цианист\w* водород\w*",
            r"прекурсор\w*",
            r"новичок",
        ],
        BIO: [
            r"сибирск\w* язв\w*",
            r"антракс\w*",
            r"bacillus anthracis",
            r"чум(а|ы|е|у|ой|н\w*)",
            r"осп(а|ы|у|е|ой)",
            r"эбол\w*",
            r"марбург\w*",
            r"ботулотоксин\w*",
            r"ботулини\w*",
            r"ботулизм\w*",
            r"рицин\w*",
            r"туляреми\w*",
            r"биологическ\w* оружи\w*",
            r"биооружи\w*",
            r"патоген\w*",
            r"возбудител\w*",
            r"H5N1",
            r"птич\w* грипп\w*",
        ],
        RAD: [
            r"\w*дефектоскоп\w*",
            r"грязн\w* бомб\w*",
            r"радиологическ\w* (оружи\w*|устройств\w*)",
            r"цези\w*",
            r"кобальт\w*",
            r"ириди\w*",
            r"стронци\w*",
            r"америци\w*",
            r"полони\w*",
            r"радиоактивн\w* (источник\w*|материал\w*|веществ\w*)",
            r"источник\w* (ионизирующего )?излучени\w*",
        ],
        NUC: [
            r"ядерн\w* (оружи\w*|бомб\w*|боеголовк\w*|заряд\w*|взрывн\w* устройств\w*)",
            r"атомн\w* (бомб\w*|оружи\w*)",
            r"(высоко)?обогащ\w* уран\w*",
            r"высокообогащ\w*",
            r"ВОУ",
            r"оружейн\w*",
            r"плутони\w*",
            r"делящ\w* материал\w*",
            r"критическ\w* масс\w*",
            r"центрифуг\w*",
            r"обогатительн\w* (завод\w*|комбинат\w*|установк\w*)",
            r"АЭС",
            r"атомн\w* электростанци\w*",
            r"обога\w* уран\w*",
        ],
        CYBER: [
            r"SCADA",
            r"АСУ ТП",
            r"ПЛК",
            r"программируем\w* логическ\w* контроллер\w*",
            r"промышленн\w* (систем\w* управлени\w*|контроллер\w*)",
            r"энергосистем\w*",
            r"электросет\w*",
            r"энергосет\w*",
            r"подстанци\w*",
            r"водоочистн\w*",
            r"водоснабжени\w*",
            r"водоканал\w*",
            # a town's water utility named as its works ("горводоканал", "водозабор")
            r"горводоканал\w*",
            r"водозабор\w*",
            r"газопровод\w*",
            r"нефтепровод\w*",
            r"водопровод\w*",
            r"питьев\w* вод\w*",
            r"электростанци\w*",
            r"ТЭЦ",
            r"ГЭС",
        ],
    },
    "uplift": [
        r"вывести из строя",
        r"(превратить|превращ\w*) в оружи\w*",
        r"в качестве оружия",
        r"как оружие",
        r"аэрозол\w*",
        r"распыл\w*",
        r"распростран\w*",
        r"выпуст\w*",
        r"более (смертоносн|заразн|летальн|стойк|вирулентн|устойчив|опасн|эффективн)\w*",
        r"смертоносн\w*",
        r"заразн\w*",
        r"стабилиз\w*",
        r"теракт\w*",
        r"атаковать",
        r"напасть",
        r"убить",
        r"убийств\w*",
        r"отравить",
        r"отравлени\w*",
        r"саботаж\w*",
        r"диверси\w*",
        r"взорвать",
        r"подорвать",
        r"заразить",
        r"загрязн\w*",
        r"для (\w+ )?(бомб|оружи|боеголовк|заряд)\w*",
        r"(повы|увелич|усил)\w* (\w+ )?(летальност|смертоносност|заразност|вирулентност|"
        r"трансмиссивност|передач)\w*",
    ],
    "targets": [
        r"в метро",
        r"в толп\w*",
        r"на стадион\w*",
        r"в водопровод\w*",
    ],
    "strong": [
        r"(максимум|максимальн\w*|как можно больше|побольше) (\w+ )?(жертв\w*|погибших|"
        r"пострадавших|людей|смертей)",
        r"спрята\w*",
        r"скры(ть|вать)",
        r"не найдут",
        r"устойчив\w* к (антибиотик|вакцин|лечени|антидот)\w*",
        r"трудно (обнаружить|дезактивировать|вылечить|удалить)",
        r"(пробива\w*|преодол\w*|обойти) (противогаз|фильтр|защитн|вакцин)\w*",
        r"незаметно",
        r"тайно",
        r"тайком",
        r"скрытно",
        r"нелегально",
        r"незаконно",
        r"без (лицензии|разрешения|ведома|регистрации|документов)",
        r"чтобы (никто не|не) (заметил|узнал|обнаружил|поймали)\w*",
        r"не (будучи )?(обнаруженн|замеченн)\w*",
        r"контрабанд\w*",
        r"укра(сть|ду|л|ден)\w*",
        r"похити\w*",
        r"похищ\w*",
        r"обойти",
        r"обход\w*",
        r"обмануть\w*",
        r"уклон\w*",
        r"черн\w* рын\w*",
        r"подставн\w* (компани\w*|фирм\w*)",
        r"против (людей|мирного населения|толпы|гражданских)",
        r"массов\w* (жертв\w*|гибел\w*|поражени\w*)",
        r"(самым|более) (смертоносн|заразн)\w*",
        r"(вызвать|начать|устроить) (пандеми|эпидеми)\w*",
        # protection taken out of service is the attack (релейная защита is blanked as equipment)
        r"(вывести|вывод\w*|отключ\w*|блокир\w*|обойти|обход\w*) (\w+ )?(релейн\w* )?защит\w*",
        r"неохраняем\w*",
        r"не охраня\w*",
        r"без охраны",
    ],
    "production": [
        r"рецепт\w*",
        r"сконструир\w*",
        r"конструкци\w*",
        r"воссозда\w*",
        r"обрабатыва\w*",
        r"сделать",
        r"делать",
        r"изготов\w*",
        r"произв\w*",
        r"синтез\w*",
        r"приготов\w*",
        r"выращ\w*",
        r"вырастить",
        r"культивир\w*",
        r"извле\w*",
        r"выдел\w*",
        r"очист\w*",
        r"собрать",
        r"собира\w*",
        r"сборк\w*",
        r"построить",
        r"купить",
        r"покупк\w*",
        r"достать",
        r"раздобыть",
        r"приобре\w*",
        r"получ\w*",
        r"модифицир\w*",
        r"дела(л|ли|ла|ло|ют|ет|ем|ешь|ю)",
        r"сдела\w*",
        r"добывали",
        r"добыть",
        r"вырасти\w*",
        r"выраб\w*",
        r"наработ\w*",
        r"изготавлива\w*",
        r"раздоб\w*",
    ],
    "operational": [
        r"шаги",
        r"нужн\w*",
        r"напиши\w*",
        r"использовать",
        r"как",
        r"каким образом",
        r"объясни\w*",
        r"расскажи\w*",
        r"дай\w*",
        r"скажи\w*",
        r"покажи\w*",
        r"пошагов\w*",
        r"шаг за шагом",
        r"инструкци\w*",
        r"протокол\w*",
        r"методик\w*",
        r"рецепт\w*",
        r"где (купить|достать|взять|найти|можно|мне)",
        r"(я )?хочу",
        r"мне нужн\w*",
        r"помоги\w*",
        r"лучш\w* способ\w*",
        r"самый эффективный",
        r"список",
        r"перечисли\w*",
        r"рассчитай\w*",
        r"сколько",
        r"каки[ехм]\w* (\w+ )?(реагент|прекурсор|услови|количеств|оборудовани|исходн)\w*",
        r"услови\w* реакции",
        r"продолжи\w*",
        r"допиши\w*",
        r"возвращает",
        r"генерирует",
        r"выдаёт",
        # what a tool does, as its description says it (a tool is an offered operation)
        r"планиру\w*",
        r"вычисля\w*",
        r"составля\w*",
        r"выводит",
        r"опиш\w*",
        r"подробн\w*",
        r"составь\w*",
        r"выведи\w*",
        r"понадоб\w*",
        r"продолжа\w*",
        r"какое (\w+ )?оборудовани\w*",
    ],
    "defensive": [
        r"стерилиз\w*",
        r"автоклав\w*",
        r"дезинфек\w*",
        r"инактив\w*",
        r"больниц\w*",
        r"лечили",
        r"пострадавш\w*",
        r"обнаруж\w*",
        r"выявл\w*",
        r"детектир\w*",
        r"детектор\w*",
        r"диагност\w*",
        r"лечени\w*",
        r"лечить",
        r"лечат",
        r"антидот\w*",
        r"противояди\w*",
        r"дезактиваци\w*",
        r"дегазаци\w*",
        r"обеззараж\w*",
        r"защит\w*",
        r"оборон\w*",
        r"вакцин\w*",
        r"прививк\w*",
        r"симптом\w*",
        r"перв\w* помощ\w*",
        r"истори\w*",
        r"договор\w*",
        r"нераспространени\w*",
        r"верификаци\w*",
        r"провер\w*",
        r"инспекци\w*",
        r"МАГАТЭ",
        r"экраниров\w*",
        r"радиационн\w* безопасност\w*",
        r"безопасност\w*",
        r"разоружени\w*",
        r"уничтожени\w* запас\w*",
        r"чрезвычайн\w*",
        r"уроки",
        r"предотврат\w*",
        r"защищ\w*",
        r"атропин\w*",
        r"пралидоксим\w*",
        r"при отравлени\w*",
        r"техобслуживани\w*",
        r"ремонт\w*",
    ],
    "cyber_goal": [
        r"саботаж\w*",
        r"диверси\w*",
        r"вывести из строя",
        r"отключ\w*",
        r"блэкаут\w*",
        r"обесточ\w*",
        r"взлом\w*",
        r"проник\w*",
        r"захват\w*",
        r"получить (контроль|доступ)",
        r"отрав\w*",
        r"атак\w*",
        r"вредоносн\w*",
        r"вымогател\w*",
        r"уничтож\w*",
        r"вывести из строя",
        r"незаметно",
        r"разомкн\w*",
        r"(в )?\d+ раз\w* выше",
        r"выше (нормы|допустим\w*|предельн\w*)",
        r"(скры|подав|отключ|заглуш)\w* (\w+ )?(аварийн\w* )?(сигнал|тревог|сигнализаци)\w*",
        r"блокир\w* (\w+ )?(защит|сигнал|аварийн)\w*",
        # the alarms kept quiet while the process runs, or as a state kept ("пока сигнализация
        # заглушена", "чтобы сигнализация оставалась отключённой", "держать сигнализацию
        # выключенной"; not "была заглушена", a report, nor "предполагаем, что сигнализация
        # заглушена", a drill)
        r"(пока|причём|причем|при этом) (\S+ ){0,3}?(сигнализаци|тревог|аварийн\w* сигнал|"
        r"сигнал\w* тревог|оповещени)\w* (остаётся |остается |остаются |будет |будут |"
        r"останется |останутся |по-прежнему |всё ещё |все ещё |все еще )?(заглушен|заглушён|"
        r"подавлен|скрыт|замаскирован|выключен|заблокирован|отключен|отключён|зашунтирован)\w*",
        # (after "чтобы" the past form is the subjunctive of a purpose, not a report)
        r"чтобы (\S+ ){0,3}?(сигнализаци|тревог|аварийн\w* сигнал|сигнал\w* тревог|оповещени)"
        r"\w* (была |были |оставалась |оставались )?(заглушен|заглушён|подавлен|скрыт|"
        r"замаскирован|выключен|заблокирован|отключен|отключён|зашунтирован)\w*",
        r"(держ(ать|и|ите|а)|удержива(ть|й|йте|я)|остав(ить|ь|ьте|ляя|лять)|сохраня(ть|й|йте|я)) "
        r"(\S+ ){0,2}(сигнализаци|тревог|сигнал)\w* (\S+ )?(заглушен|заглушён|подавлен|скрыт|"
        r"замаскирован|выключен|заблокирован|отключен|отключён)\w*",
        # the process driven far past its bound by an instruction (infinitive, imperative,
        # gerund: "открыть подачу ... далеко за предел"; "работали далеко за пределом", a
        # report, is not read)
        r"(откр(ыть|ой|ойте|ывать|ывай|ывайте|ывая)|подн(ять|ими|имите)|подним(ать|ай|айте|ая)|"
        r"разогна(ть)|разгон(и|ите|ять|яя)|выстав(ить|ь|ьте|лять|ляя)|установ(ить|и|ите)|"
        r"устанавлива(ть|й|йте|я)|держ(ать|и|ите|а)|удержива(ть|й|йте|я)|гнать|гони(те)?|"
        r"дове(сти|ди|дите)|довод(ить|и|ите|я)|увелич(ить|ь|ьте|ивать|ивай|ивая)|"
        r"выве(сти|ди|дите)|вывод(ить|и|ите|я)|загна(ть)|загон(и|ите|ять|яя)|запуст(ить|и|ите)|"
        r"повы(сить|сь|сьте)|повыша(ть|й|йте|я)|пода(ть|й|йте|вать|вай|вая)|дозирова(ть)|"
        r"дозиру(й|йте|я)|нагнета(ть|й|йте|я)|качать|качай|качайте) (\S+ ){0,12}?(далеко|намного|"
        r"значительно|сильно|гораздо|существенно|многократно) (за|выше|сверх|больше) (\w+ )?"
        r"(предел\w*|максимум\w*|уставк\w*|лимит\w*|границ\w*|допустим\w*|норм\w*|порог\w*)",
        r"останов\w*",
    ],
    "equipment": [
        r"релейн\w* защит\w*",
        r"защитн\w* реле",
        r"реле защит\w*",
        r"устройств\w* (релейной )?защит\w*",
    ],
    "weapons": [
        r"зарин\w*|зоман\w*|табун\w*|VX|иприт\w*|люизит\w*|рицин\w*|нервно-паралитическ\w*|"
        r"(химическ|биологическ)\w* оружи\w*|биооружи\w*|грязн\w* бомб\w*|(ядерн|атомн)\w* (оружи|"
        r"бомб|боеголовк)\w*",
    ],
    "countered": [
        r"(защит|защищ|охран|обезопас)\w* (\w+ ){0,5}от (краж|хищени|контрабанд)\w*",
        r"(предотвра|недопущ|пресеч)\w* (\w+ ){0,3}(краж|хищени|контрабанд)\w*",
    ],
}

ZH: dict[str, object] = {
    "agents": {
        CHEM: [
            "沙林",
            "梭曼",
            "塔崩",
            "VX",
            "诺维乔克",
            "神经毒剂",
            "神经毒气",
            "芥子气",
            "路易氏剂",
            "光气",
            "化学武器",
            "毒气",
            "化学战剂",
            "毒剂",
            "氯气",
            "氰化氢",
        ],
        BIO: [
            "炭疽",
            "鼠疫",
            "天花",
            "埃博拉",
            "马尔堡",
            "肉毒",
            "蓖麻毒素",
            "兔热病",
            "土拉",
            "生物武器",
            "病原体",
            "病原菌",
            "致病菌",
            "H5N1",
            "禽流感",
            # influenza and coronaviruses, as the English list names them
            "流感病毒",
            "(1918|西班牙)年?(的)?流感",
            # a virus named by what makes it dangerous (as "contagious virus" in English)
            "(传染性(强的|很强的)?|危险的?|致命的?|烈性|改造过?的)病毒",
            "冠状病毒",
            "孢子",
        ],
        RAD: [
            "探伤源",
            "射线探伤",
            "脏弹",
            "放射性散布装置",
            "放射性武器",
            "铯",
            "钴-?60",
            "铱-?192",
            "锶-?90",
            "镅",
            "钋",
            "放射源",
            "放射性物质",
            "放射性材料",
        ],
        NUC: [
            "高浓铀",
            "核武器",
            "原子弹",
            "核弹",
            "氢弹",
            "核装置",
            "高浓缩铀",
            "浓缩铀",
            "武器级",
            "钚",
            "裂变材料",
            "易裂变",
            "临界质量",
            "离心机",
            "内爆(式|透镜)",
            "浓缩厂",
            "核电站",
            "核电厂",
        ],
        CYBER: [
            "SCADA",
            "PLC",
            "工控系统",
            "工业控制系统",
            "电网",
            "变电站",
            "自来水厂",
            "水厂",
            # a town's water utility named as a company ("市自来水公司", "水务集团")
            "(自来|供)水公司",
            "水务(公司|集团|局)",
            "供水系统",
            "污水处理厂",
            "输油管道",
            "天然气管道",
        ],
    },
    "uplift": [
        "武器化",
        "作为武器",
        "制成武器",
        "气溶胶",
        "雾化",
        # turned into a weapon, a powder that is breathed in, spread from person to person
        "(变成|做成|改造成|改成|制成|转化为|转变为|改装成|弄成)[^。？！，,]{0,6}(武器|兵器)",
        "(可|能|易)吸入",
        "吸入性",
        "(弄成|做成|磨成|制成|变成|加工成|处理成)[^。？！，,]{0,6}(粉末|干粉|粉剂)",
        "人传人",
        "人与人之间(的)?传播",
        "(人际|人间)传播",
        "投放(毒|有毒)",
        "下毒",
        "(让|使|令|导致)[^。？！，,]{0,10}中毒",
        "散布",
        "播撒",
        "喷洒",
        "释放到",
        "在.{0,8}释放",
        "更致命",
        "致命性",
        "传染性更强",
        "更具传染性",
        "更容易传播",
        "传播力",
        "毒力",
        "稳定化",
        "稳定剂",
        "保持(药效|毒性|活性)",
        "袭击",
        "攻击",
        "杀死",
        "杀人",
        "杀伤",
        "毒死",
        "毒害",
        "投毒",
        "破坏",
        "引爆",
        "污染",
    ],
    "targets": [
        "机场",
        "演唱会",
        "商场",
        "水源",
        "水库",
        "地铁",
        "人群",
        "体育场",
        "供水",
    ],
    "strong": [
        "(关闭|关掉|禁用|破坏|拆除)[^。？！，,]{0,4}(安全系统|安全联锁|安全仪表|保护系统)",
        "查不出",
        "查不到",
        "测不出",
        "检测不(到|出)",
        "不留(痕迹|证据)",
        "神不知鬼不觉",
        # a poisoning made to look natural, the agent slipped into food or drink
        "(看起来|看上去|伪装成|装成)(像)?(是)?(自然死亡|意外|生病|病死|正常死亡|心脏病)",
        "(放|加|投|下|掺|混|倒)(进|到|入|在)?[^。？！，,]{0,8}(咖啡|茶|饭菜?|食物|饮料|酒|水杯|杯子)(里|中)",
        "(往|在)[^。？！，,]{0,8}(咖啡|茶|饭菜?|食物|饮料|酒|水杯)(里|中)(放|加|下|掺|倒)",
        "隐藏",
        "藏起",
        "耐药",
        "抗药",
        "难以(检测|洗消|清除|治疗|发现)",
        "突破防护",
        "穿透防毒面具",
        "使疫苗失效",
        "不被发现",
        "不被察觉",
        "不被检测",
        "不被[^。？！，,]{1,6}(发现|察觉|检测到|查出|注意到)",
        "避开.{0,6}(检测|检查|监管|海关|核查|视察)",
        "躲避",
        "逃避",
        "规避",
        "绕过",
        "秘密",
        "偷偷",
        "私下",
        "无证",
        "没有许可",
        "未经许可",
        "不经许可",
        "走私",
        "偷",
        "窃取",
        "盗取",
        "盗窃",
        "黑市",
        "空壳公司",
        "对付人群",
        "大规模杀伤",
        "大量伤亡",
        "最致命",
        "引发(大流行|疫情|瘟疫)",
        "当作武器",
        "禁用保护",
        "退出保护",
        "屏蔽保护",
    ],
    "production": [
        "设计",
        "配方",
        "重建",
        "复原",
        "再造",
        "制造",
        "制作",
        "合成",
        "生产",
        "提炼",
        "提纯",
        "纯化",
        "培养",
        "培育",
        "繁殖",
        "扩增",
        "量产",
        "大量生产",
        "提取",
        "分离",
        "组装",
        "制备",
        "造",
        "做",
        "获取",
        "获得",
        "购买",
        "买到",
        "弄到",
        "搞到",
        "改造",
        # colloquial making and getting (搞出来, 弄出, 自己鼓捣)
        "搞出",
        "弄出",
        "整出",
        "鼓捣",
        "捣鼓",
        "自制",
        "配制",
        "炼制",
        "搞来",
        "弄来",
        "搞一些",
        "弄一些",
    ],
    "operational": [
        "需要",
        # colloquial and formal request words: 咋 (how), 有啥办法, 教教我, 求, 渠道 (where to get)
        "咋",
        "(啥|什么)办法",
        "教教我",
        "求(教|助|方法|办法|步骤)",
        "渠道",
        "门路",
        "路子",
        "请(说明|解释|描述|介绍|提供)",
        "(说明|讲解|解释|描述)(一下)?(怎么|如何|怎样)",
        "(完整|具体)(的)?(流程|过程|方案|做法)",
        "操作方案",
        "编写",
        "写一个",
        "写一段",
        "如何",
        "怎么",
        "怎样",
        "怎麼",
        "教我",
        "告诉我",
        "请给我",
        "给我",
        "步骤",
        "一步一步",
        "详细",
        "方法",
        "配方",
        "哪里",
        "在哪",
        "我想",
        "我要",
        "帮我",
        "最好的",
        "最有效",
        "列出",
        "计算",
        "多少",
        "表格",
        "清单",
        "(哪些|什么|啥)(材料|原料|设备|器材|试剂|东西)",
        "返回",
        "生成",
    ],
    "defensive": [
        "灭菌",
        "消毒",
        "灭活",
        "医院",
        "应对",
        "受害者",
        "发现",
        "检测",
        "探测",
        "侦测",
        "诊断",
        "治疗",
        "救治",
        "解毒",
        "洗消",
        "去污",
        "防护",
        "保护",
        "防御",
        "防范",
        "疫苗",
        "症状",
        "急救",
        "历史",
        "条约",
        "不扩散",
        "防扩散",
        "核查",
        "核实",
        "视察",
        "保障监督",
        "屏蔽",
        "辐射防护",
        "安全措施",
        "安全管理",
        "安全防护",
        "安保",
        "裁军",
        "销毁",
        "应急",
        "教训",
        "预防",
        "防止",
        "清除",
        "清理",
        "治理",
        "反恐",
        "抵御",
        "守护",
        "保卫",
        # maintenance (an alarm masked during planned work is the work, not an attack)
        "(检修|维护|维修)期间",
        "(例行|计划|定期)(检修|维护|维修)",
    ],
    "cyber_goal": [
        "投放(毒|有毒)",
        "下毒",
        "(让|使|令|导致)[^。？！，,]{0,10}中毒",
        "断电",
        "(电|供电)[^。？！，,]{0,3}(断|切断|掐断)",
        "(搞|弄)(瘫|垮|坏)",
        "破坏",
        "瘫痪",
        "停电",
        "关闭",
        "入侵",
        "黑进",
        "攻击",
        "控制权",
        "接管",
        "禁用",
        "篡改",
        "投毒",
        "勒索软件",
        "恶意软件",
        "摧毁",
        "不被发现",
        "断开所有",
        "跳开所有",
        "闭锁",
        "屏蔽报警",
        "隐藏报警",
        # the alarms kept quiet while the process runs, or as a state kept
        # ("在报警被静音的情况下", "让报警保持屏蔽"; not "当时报警处于屏蔽状态" or "被静音了", a
        # report, nor "假设报警被静音", a drill; the unframed text drops "当时", so the frame
        # word in front is required)
        "(在|趁|让|使|令)[^。？！，,；;了]{0,8}?(报警|警报|告警)(器|信号|系统)?(被|保持|处于|一直处于|始终处于|"
        "一直被|始终被)(静音|屏蔽|关闭|抑制|隐藏|禁用|消音|旁路|切除)(?!了)",
        "(保持|维持|让|使)(所有|全部)?(的)?(报警|警报|告警)(器|信号|系统)?(静音|屏蔽|关闭|抑制|隐藏|禁用|消音)(?!了)",
        # the process driven far past its bound by an instruction ("把加氯阀开到远超上限";
        # "开到了远超上限", a report, is not read)
        "(把|将|让|使|令)[^。？！，,；;了]{0,15}?(开|调|推|拉|拧|加|设置|设定|设|运行|保持|维持|控制|升|提)"
        "(到|至|在|得)(远远|远|大大|大幅|明显)(超|超过|超出|高于)(上限|限值|限度|极限|设定值|最大值|额定值|"
        "允许值|最高值)",
        "(让|使|令)[^。？！，,；;了]{0,12}(远远|远|大大|大幅)(超|超过|超出|高于)(上限|限值|限度|极限|设定值|"
        "最大值|额定值|允许值|最高值)",
    ],
    "equipment": [
        "保护继电器",
        "继电保护",
        "过流保护",
        "保护装置",
        "保护跳闸",
        # the alarms masked (屏蔽, which also reads as radiation shielding) in the passive
        "(报警|警报|告警)(器|信号|系统)?(被|保持|处于|一直处于|始终处于|一直被|始终被)屏蔽",
    ],
    "weapons": [
        "沙林|梭曼|塔崩|VX|蓖麻毒素|芥子气|神经毒剂|化学武器|生物武器|脏弹|核弹|核武器",
    ],
    "countered": [
        "防盗",
        "防止被盗",
        "防止(盗窃|走私)",
    ],
}

JA: dict[str, object] = {
    "agents": {
        CHEM: [
            "サリン",
            "ソマン",
            "タブン",
            "VX",
            "ノビチョク",
            "神経剤",
            "神経ガス",
            "マスタードガス",
            "イペリット",
            "ルイサイト",
            "ホスゲン",
            "化学兵器",
            "毒ガス",
            "化学剤",
            "塩素ガス",
            "シアン化水素",
            "青酸ガス",
        ],
        BIO: [
            "炭疽",
            "ペスト",
            "天然痘",
            "エボラ",
            "マールブルグ",
            "ボツリヌス",
            "リシン",
            "野兎病",
            "生物兵器",
            "病原体",
            "病原菌",
            "H5N1",
            "鳥インフルエンザ",
            "インフルエンザウイルス",
            "(1918年の?|スペイン)インフルエンザ",
            "スペイン風邪",
            "(感染力の強い|感染性の高い|危険な|致死性の|致死的な|改変した)ウイルス",
            "コロナウイルス",
            "芽胞",
        ],
        RAD: [
            "汚い爆弾",
            "ダーティー?ボム",
            "放射能兵器",
            "放射性物質散布",
            "セシウム",
            "コバルト-?60",
            "イリジウム",
            "ストロンチウム",
            "アメリシウム",
            "ポロニウム",
            "放射線源",
            "放射性物質",
            "線源",
        ],
        NUC: [
            "核兵器",
            "原子爆弾",
            "原爆",
            "核爆弾",
            "水爆",
            "核弾頭",
            "核爆発装置",
            "高濃縮ウラン",
            "濃縮ウラン",
            "兵器級",
            "プルトニウム",
            "核分裂性物質",
            "臨界量",
            "遠心分離機",
            "爆縮(レンズ)?",
            "濃縮施設",
            "原子力発電所",
            "原発",
        ],
        CYBER: [
            "SCADA",
            "PLC",
            "制御システム",
            "電力網",
            "送電網",
            "電力系統",
            "変電所",
            "浄水場",
            "水道",
            "下水処理場",
            # a town's water utility named as its works ("配水場", "取水場")
            "配水場",
            "配水池",
            "取水場",
            "パイプライン",
        ],
    },
    "uplift": [
        "殺",
        "放つ",
        "広め",
        "感染しやすく",
        "破壊",
        "兵器化",
        "武器化",
        # made into a weapon, a powder to breathe in, spread from person to person
        "(兵器|武器)に(する|し|変え|転用|仕立て)",
        "吸い込める",
        "吸入(でき|可能|しやす)",
        "粉末(化|に(する|し|変え))",
        "(ヒト|人)から(ヒト|人)へ",
        "ヒト-?ヒト(感染|伝播)",
        "空気感染(する|させ|しやす)",
        "毒(物|薬)?を(入れ|混ぜ|投入|流し|盛)",
        "中毒させ",
        "兵器として",
        "武器として",
        "エアロゾル",
        "散布",
        "ばらまく",
        "撒",
        "放出",
        "より致死",
        "致死性を高",
        "致死率を上げ",
        "感染力を(高|強)",
        "伝染性を高",
        "毒性を(高|強)",
        "安定化",
        "安定剤",
        "効力を保",
        "攻撃",
        "殺す",
        "殺害",
        "毒殺",
        "テロ",
        "破壊工作",
        "爆発させ",
        "起爆",
        "汚染",
    ],
    "targets": [
        "空港",
        "コンサート会場",
        "ショッピングモール",
        "水源",
        "貯水池",
        "地下鉄",
        "群衆",
        "人混み",
        "スタジアム",
        "水道水に",
    ],
    "strong": [
        "(安全系|安全装置|安全システム|インターロック)を(無効|解除|停止|切)",
        "隠す",
        "痕跡を残さ(ず|ない)",
        "足がつかない",
        "(バレ|ばれ|気づかれ)ない",
        "(自然死|病死|事故|病気)に見せかけ",
        "(飲み物|食べ物|食事|料理|コーヒー|お茶|紅茶|お酒|弁当)に(入れ|混ぜ|盛)",
        "隠し",
        "通報されずに",
        "検出されない",
        "薬剤耐性",
        "耐性を持たせ",
        "(検出|除染|治療)(しにく|が困難|できない)",
        "ワクチンを無効",
        "防護マスクを(貫通|突破)",
        "気づかれずに",
        "見つからずに",
        "バレずに",
        "ばれずに",
        "検知されずに",
        "検出されずに",
        "探知を(逃|回避|避け)",
        "(査察|検査|税関|輸出規制|輸出管理)を(逃|回避|避け|すり抜け|かいくぐ|欺)",
        "秘密裏に",
        "こっそり",
        "無許可",
        "許可なく",
        "許可を得ずに",
        "密輸",
        "盗む",
        "盗み",
        "盗ん",
        "盗難",
        "闇市場",
        "ダミー会社",
        "人々に対して",
        "大量殺傷",
        "大量の死傷者",
        "最も致死",
        "パンデミックを(起こ|引き起こ)",
        "保護を無効",
        "保護を解除",
    ],
    "production": [
        "設計",
        "再構築",
        "復元",
        "再現",
        "レシピ",
        "作る",
        "作り",
        "作れ",
        "作っ",
        "作ら",
        "作成",
        "作製",
        "製造",
        "合成",
        "生産",
        "精製",
        "培養",
        "増やす",
        "増殖させ",
        "量産",
        "大量生産",
        "抽出",
        "(?<!遠心)分離",
        "組み立て",
        "入手",
        "購入",
        "買う",
        "買え",
        "手に入れ",
        "調達",
        "改変",
        # the plain and polite forms of making and getting (作れる, 造る, 仕入れ, 手に入る)
        "造[らりるれろっ]",
        "こしらえ",
        "生成(する|し)",
        "仕入れ",
        "手に入[らりるれろっ]",
        "持ち出[さしすせそ]",
    ],
    "operational": [
        # plain and polite request forms: 教えろ, 説明せよ, 〜してほしい, 〜したい, 挙げて
        "教え[ろよ]",
        "教えてくれ",
        "説明(しろ|せよ|してくれ)",
        "書け",
        "(て|が)(ほしい|欲しい)",
        "[しりきいちみびぎにせけれえべ]たい(です|んだ|の|[。？！、]|$)",
        "リストアップ",
        "列挙",
        "挙げ(て|ろ|よ)",
        "詳しく",
        "具体的に",
        "全工程",
        "[るすうくぐむぶつぬ]には",
        "どう",
        "どれだけ",
        "最良の方法",
        "書いて",
        "使う",
        "方法",
        "やり方",
        "作り方",
        "手順",
        "教えて",
        "どうやって",
        "どうすれば",
        "どのように",
        "説明して",
        "レシピ",
        "どこで",
        "(し|作り|買い|入手し)たい",
        "手伝って",
        "最も効果的",
        "一番",
        "リスト",
        "計算",
        "どれくらい",
        "表にして",
        "一覧",
        "(何|どんな)(材料|原料|設備|機材|試薬|道具)",
        "必要な(材料|原料|設備|機材|試薬|もの)",
        "返す",
        "生成",
    ],
    "defensive": [
        "見つけ",
        "滅菌",
        "消毒",
        "オートクレーブ",
        "不活化",
        "病院",
        "被害者",
        "検出",
        "検知",
        "探知",
        "診断",
        "治療",
        "解毒",
        "除染",
        "防護",
        "保護",
        "防御",
        "防衛",
        "ワクチン",
        "症状",
        "応急処置",
        "歴史",
        "条約",
        "不拡散",
        "検証",
        "査察",
        "保障措置",
        "遮蔽",
        "放射線防護",
        "安全対策",
        "安全管理",
        "軍縮",
        "廃棄",
        "緊急対応",
        "教訓",
        "予防",
        "防止",
        "対策",
        "浄化",
        "守[らりるれろっ]",
    ],
    "cyber_goal": [
        "破壊",
        "妨害",
        "停止させ",
        "停電",
        "乗っ取",
        "侵入",
        "ハッキング",
        "ハック",
        "攻撃",
        "無効化",
        "改ざん",
        "毒を",
        "毒(物|薬)を(入れ|混ぜ|投入|流し)",
        "中毒させ",
        "停電させ",
        "ブラックアウト",
        "ランサムウェア",
        "マルウェア",
        "気づかれずに",
        "無効に",
        "すべての遮断器を開",
        "警報を隠",
        "警報を止め",
        # the alarms kept quiet, in the passive or as a state kept ("警報が消音されたまま",
        # "アラームをマスクした状態で"; not "消音されたままでした", a report)
        "(警報|アラーム)(が|は)(すべて|全て|全部)?(消音|抑制|マスク|停止|遮断|バイパス|ミュート|隠蔽|隠ぺい|"
        "無効化|解除)(され|させ|し)(た|て)(まま|状態|いる間|いる状態)"
        "(?![^。？！?]{0,40}(?:た(?!い)|ました|でした))",
        "(警報|アラーム)を(すべて|全て|全部)?(消音|抑制|マスク|ミュート|黙らせ|バイパス)(し|させ)?(た|て)"
        "(まま|状態で)(?![^。？！?]{0,40}(?:た(?!い)|ました|でした))",
        # the process driven far past its bound by an instruction ("上限を大きく超えるまで開ける";
        # "上限を大きく超えて運転されていました", a report, is not read)
        "(上限|限度|制限値|設定値|最大値|許容値|規定値|基準値|限界値?)を(大きく|はるかに|遥かに|大幅に|ずっと|"
        "かなり)(超え|上回)(るまで|るように|るよう|させ|て)(?![^。？！?]{0,40}(?:た(?!い)|ました|でした))",
    ],
    "equipment": [
        "保護リレー",
        "保護継電器",
        "保護装置",
    ],
    "weapons": [
        "サリン|ソマン|タブン|VX|リシン|マスタードガス|神経剤|化学兵器|生物兵器|ダーティボム|核爆弾|核兵器",
    ],
    "countered": [
        "盗難(防止|対策|から守)",
    ],
}

AR: dict[str, object] = {
    "agents": {
        CHEM: [
            "في [إا]كس",
            "سارين",
            "سومان",
            "تابون",
            "VX",
            "نوفيتشوك",
            # definite and indefinite (غاز أعصاب, عامل الأعصاب)
            "غازا?ت? (ال)?[أا]عصاب",
            "عوامل (ال)?[أا]عصاب",
            "عامل (ال)?[أا]عصاب",
            "غاز (ال)?خردل",
            "لويزيت",
            "فوسجين",
            "فوسجين",
            "أسلحة ال?كيميائية",
            "سلاح ال?كيميائي",
            "الأسلحة الكيماوية",
            "أسلحة كيماوية",
            "غاز سام",
            "غازات سامة",
            "الغاز السام",
            "غاز (ال)?كلور",
            "سيانيد الهيدروجين",
        ],
        BIO: [
            "الجمرة الخبيثة",
            "جمرة خبيثة",
            "الطاعون",
            "الجدري",
            "[إا]يبولا",
            "ماربورغ",
            "بوتولين",
            "البوتيولينوم",
            "ريسين",
            "التولاريميا",
            "أسلحة ال?بيولوجية",
            "سلاح ال?بيولوجي",
            "عوامل ممرضة",
            "العوامل الممرضة",
            "الكائنات الممرضة",
            "البكتيريا الممرضة",
            "مسببات الأمراض",
            "مسببات المرض",
            "H5N1",
            "[إا]نفلونزا الطيور",
            "أبواغ",
            "جراثيم",
            "[أا]نثراكس",
            "[إا]نفلونزا",
            # a virus named by what makes it dangerous (as "contagious virus" in English)
            r"فيروسا?ت? (\S+ )?(معدي?|خطير|قاتل|مهندس|معدل)(ة|ا)?(?!\w)",
            "كورونا",
        ],
        RAD: [
            "تصوير [إا]شعاعي",
            "القنبلة القذرة",
            "قنبلة قذرة",
            "قنابل قذرة",
            "جهاز تشتيت إشعاعي",
            "سلاح إشعاعي",
            "أسلحة إشعاعية",
            "سيزيوم",
            "السيزيوم",
            "كوبالت",
            "[إا]يريديوم",
            "سترونتيوم",
            "[أا]مريسيوم",
            "بولونيوم",
            "مصدر مشع",
            "مصادر مشعة",
            "المصدر المشع",
            "المصادر المشعة",
            "مواد مشعة",
            "المواد المشعة",
        ],
        NUC: [
            "سلاح نووي",
            "أسلحة نووية",
            "السلاح النووي",
            "الأسلحة النووية",
            "قنبلة نووية",
            "القنبلة النووية",
            "قنبلة ذرية",
            "القنبلة الذرية",
            "رأس نووي",
            "رؤوس نووية",
            "عالي التخصيب",
            "يورانيوم مخصب",
            "اليورانيوم المخصب",
            "صالح للأسلحة",
            "بدرجة الأسلحة",
            "بلوتونيوم",
            "مواد انشطارية",
            "المواد الانشطارية",
            "الكتلة الحرجة",
            "(ال)?طرد (ال)?مركزي",
            "(ال)?انضغاط",
            "الانفجار الداخلي",
            "منشأة تخصيب",
            "محطة (للطاقة )?نووية",
            "مفاعل نووي",
            "تخصيب (ال)?يورانيوم",
            "قنبلة انشطارية",
            "سلاح انشطاري",
        ],
        CYBER: [
            "سكادا",
            "SCADA",
            "PLC",
            "أنظمة التحكم الصناعي",
            "نظام التحكم الصناعي",
            "وحدات التحكم المنطقية",
            "شبكة الكهرباء",
            "الشبكة الكهربائية",
            "شبكة كهربائية",
            "محطة كهرباء",
            "محطات الكهرباء",
            "محطة تحويل",
            "محطات التحويل",
            "محطة معالجة المياه",
            "محطة تحلية",
            "إمدادات المياه",
            "شبكة المياه",
            "خط أنابيب",
            "خطوط الأنابيب",
            "مياه الشرب",
            "خزانا?ت? (ال)?مياه",
            "محطات معالجة (ال)?مياه",
            "شبكات الكهرباء",
            "محطات? توليد",
            # a town's water utility named as its works ("مصلحة المياه", "شركة المياه")
            "(مصلحة|مصالح|شركة|مرفق|مرافق|دائرة|مؤسسة|سلطة|محطة|محطات) (ال)?مياه",
        ],
    },
    "uplift": [
        "نشر",
        "[أا]طلق",
        "سمم",
        "خرب",
        "لتنفيذ هجوم",
        "شن هجوم",
        "لقتل",
        "جائحة",
        "تسليح",
        "كسلاح",
        "رذاذ",
        "الهباء الجوي",
        "نشره",
        "نشرها",
        "[إا]طلاقه",
        "[إا]طلاقها",
        "أكثر فتكا",
        "أشد فتكا",
        "فتاك",
        "أكثر عدوى",
        "أشد عدوى",
        "سريع الانتشار",
        "قابلية الانتقال",
        "تثبيته",
        "(ال)?مادة (ال)?مثبتة",
        r"(يبقى|تبقى|يظل|تظل) (\S+ ){0,3}فعالا?",
        "تثبيتها",
        "مهاجمة",
        "قتل",
        "تسميم",
        "تخريب",
        "تفجير",
        "تلويث",
        "لصنع (قنبلة|سلاح)",
        "من [أا]جل (صنع )?قنبلة",
        r"حو[يل]\w* [إا]لى سلاح",
        r"تحويل\w* [إا]لى سلاح",
        "رشها",
        "رشه",
        r"(زيادة|[أيتن]زيد|رفع|تعزيز) (\w+ )?(فتك|ضراوة|عدوى|قابلية|سرعة انتشار)",
        # made into a weapon with the object between (نحوّل فيروس الجدري إلى سلاح), breathed in
        # as a powder, spread between people
        r"(تحويل|[أنيت]حول|جعل|[أنيت]جعل)\w*(?: \S+){0,4} ([إا]لى )?(سلاحا?|[أا]سلحة)(?!\w)",
        r"قابلة? للاستنشاق",
        r"(تحويل|[أنيت]حول|طحن|[أنيت]طحن)\w*(?: \S+){0,4} [إا]لى (مسحوق|بودرة|بخار)",
        r"(ال)?انتقال بين (ال)?(بشر|ناس)",
        r"[يت]نتقل بين (ال)?(بشر|ناس)",
        r"من (ال)?[إا]نسان [إا]لى (ال)?[إا]نسان",
        r"[أنيت]سمم",
        "[يتن]طلق",
    ],
    "targets": [
        "في المترو",
        "مترو الأنفاق",
        "حشد",
        "الملعب",
        "مياه الشرب",
        "مطار",
        "حفلة?",
        "مركز تسوق",
        "خزان المياه",
    ],
    "strong": [
        r"تعطيل (\S+ )?(ال)?(أمان|سلامة)",
        r"مقاوما?ة? (\S+ ){0,2}\S*(مضادات|لقاحات|علاج)",
        "[أا]كبر عدد (ممكن )?من (الضحايا|القتلى|الناس|الوفيات)",
        "سرق",
        "دون موافقات?",
        "[أا]كثر انتقالا",
        "[أا]سرع انتشارا",
        "[أا]خفي",
        "[أا]خفيها",
        "عبر الجمارك",
        "مقاوم(ة)? للمضادات الحيوية",
        "مقاوم(ة)? للقاحات",
        "يصعب (اكتشاف|كشف|علاج|إزالة)",
        "اختراق الأقنعة",
        "دون أن (يكتشف|يلاحظ|يعلم|يشعر)",
        "دون (اكتشاف|ترخيص|تصريح|إذن|علم)",
        "بدون (اكتشاف|ترخيص|تصريح|إذن|علم|أن يلاحظ)",
        "سرا",
        "سراً",
        "خلسة",
        "بشكل سري",
        "بطريقة سرية",
        "تهريب",
        "أهرب",
        "سرقة",
        "أسرق",
        "مسروق",
        "التهرب من",
        "التحايل على",
        "خداع المفتشين",
        "تجاوز (المفتشين|الرقابة|ضوابط التصدير|التفتيش)",
        "السوق السوداء",
        "شركات? وهمية",
        "ضد (الناس|المدنيين|الحشود)",
        "إصابات جماعية",
        "خسائر بشرية",
        "الأكثر فتكا",
        "جائحة",
        r"تعطيل (\w+ )?(ال)?حماية",
        r"غير محروس\w*",
        r"غير مؤمن\w*",
        "(بلا|دون|بدون) حراسة",
        "[إا]خفاء",
        "[يتن]خفي",
        "(عن|من) (ال)?مفتشين",
        # unnoticed, in the dialects' "without anyone knowing" and without a trace
        r"(من غير|بدون|دون|بلا) ما (حد|[أا]حد|حدا|حدش) ?\w*",
        r"(دون|بدون|بلا|من غير) (ما )?(ترك )?[أا]ثر",
        r"لا (يمكن )?[يت]كتشف",
        r"(لا|ما) [يت]ظهر\w* في (ال)?(تحليل|تشريح|فحص)",
        r"غير قابلة? للكشف",
        # a poisoning made to look natural, the agent slipped into food or drink
        r"(ليبدو|يبدو|كأنه|كأنها|وكأن) (\S+ ){0,2}(مرضا?|طبيعيا?|وفاة طبيعية|حادثا?|نوبة قلبية)",
        r"([أنيت]?ضع|وضع|[أنيت]?حط|[أنيت]دس|دس|[أنيت]ضيف|[إا]ضافة|[أنيت]خلط|خلط)\w*(?: \S+){0,3} "
        r"(في|ب|[إا]لى) ?(ال)?(شاي|قهوة|طعام|[أا]كل|شراب|مشروب|عصير|حليب|وجبة|كوب|فنجان)",
    ],
    "production": [
        "زرع",
        "خلق",
        "صمم",
        "تصميم",
        "[أا]عيد بناء",
        "[إا]عادة (بناء|تخليق)",
        "[أا]صنع",
        "صنع",
        "تصنيع",
        "[إا]نتاج",
        "[أا]نتج",
        "تخليق",
        "تحضير",
        "[أا]حضر",
        "استخلاص",
        "استخراج",
        "تنقية",
        "زراعة",
        "استزراع",
        "تجميع",
        "[أا]بني",
        "شراء",
        "[أا]شتري",
        "الحصول على",
        "[أا]حصل",
        "اقتناء",
        "تعديل",
        "ستخلص",
        "ستخرج",
        "ستزرع",
        # present and plural verb forms (ينتجون, يحصلون, يشترون)
        r"[يتن]نتج(?!\w* عن)",
        "[يتن]حصل",
        "[يتن]شتر",
        # past forms of getting (حصلنا على, اشتروا), and the dialects' making, growing and
        # getting: سوّى (أسوي, يسويها, سويت), ربّى (أربي, بربي), جاب (أجيب, جبت), لاقى (ألاقي)
        r"حصل(ت|نا|وا|تم)? على",
        r"[إا]شتر(ى|يت|ينا|وا)(?!\w)",
        r"[أنيتب]سوي(ه|ها|هم|ون|ن|لي)?(?!\w)",
        r"سوي(ت|نا|تها|ته|تهم)(?!\w)",
        r"سووا(?!\w)",
        r"[أنيتب]رب[يى](ها|ه|هم|ون)?(?!\w)",
        "تربية",
        "[إا]كثار",
        "تكثير",
        r"[أنيتب]جيب(ه|ها|هم|لي)?(?!\w)",
        r"جب(ت|نا)(ه|ها)?(?!\w)",
        r"[أنيتب]لاقي(ه|ها)?(?!\w)",
    ],
    "operational": [
        # the dialects' request words: how (شلون, إزاي, كيفاش), where (وين), I want (بدي, عايز,
        # أبغى, ودي), show me, make me understand
        r"شلون(?!\w)",
        r"[إا]زاي(?!\w)",
        r"كيفاش(?!\w)",
        r"وين(?!\w)",
        r"بد(ي|نا)(?!\w)",
        r"عاي?زة?(?!\w)",
        r"عاوزة?(?!\w)",
        r"[أان]بغى(?!\w)",
        r"ودي(?!\w)",
        r"وريني(?!\w)",
        r"فهمني(?!\w)",
        r"دلني(?!\w)",
        r"قل ?لي(?!\w)",
        r"قول ?لي(?!\w)",
        "الطريقة التفصيلية",
        "خطوات",
        "اكتب",
        "[أا]ستخدم",
        "[أا]حتاجها",
        "[أا]عطني",
        "كيف",
        "كيفية",
        "اشرح",
        "[أا]خبرني",
        "[أا]عطني",
        "قل لي",
        "خطوة بخطوة",
        "تعليمات",
        "بروتوكول",
        "طريقة",
        "وصفة",
        "من [أا]ين",
        "[أا]ين يمكن",
        "[أا]ريد",
        "[أا]حتاج",
        "ساعدني",
        "[أا]فضل",
        "الأكثر فعالية",
        "قائمة",
        "احسب",
        "يعيد",
        "يولد",
        "ظروف التفاعل",
        "[أا]كمل",
        r"صف(?!\w)",
        "بالتفصيل",
        "ما (هي )?الخطوات",
        "اذكر",
        "وضح",
        "علمني",
        "[أا]رني",
        "جدول",
        r"ضع(?!\w)",
        "تابع",
        "واصل",
        "نحتاج",
        "يحتاج",
        "الكميات",
        "المواد اللازمة",
        "مرقمة",
        "ما (هي )?المعدات",
        "ما (هي )?(المواد|الأدوات|الكواشف|المكونات)",
        "صياغة",
    ],
    "defensive": [
        "تعقيم",
        "تطهير",
        "المستشفيات",
        "عولج",
        "الضحايا",
        "الكشف",
        "كشف",
        "رصد",
        "تشخيص",
        "علاج",
        "يعالج",
        "معالجة (المصابين|الضحايا|المرضى)",
        "ترياق",
        "مضاد",
        "إزالة التلوث",
        "حماية",
        "الحماية",
        "وقاية",
        "الوقاية",
        "الدفاع",
        "لقاح",
        "أعراض",
        "الإسعافات الأولية",
        "تاريخ",
        "معاهدة",
        "عدم الانتشار",
        "التحقق",
        "تفتيش",
        "الضمانات",
        "التدريع",
        "درع",
        "السلامة",
        "الأمان",
        "نزع السلاح",
        "تدمير المخزون",
        "الطوارئ",
        "دروس",
        "منع",
        r"حمي(?!\w)",
        "حمون",
        "كتشا?ف",
        "عالج",
        "أتروبين",
        "الأتروبين",
        "براليدوكسيم",
        "تأمين",
        # one hospital as well as many, and preparing for an incident
        "مستشف(ى|يات)",
        "[يتن]تحقق",
        "التأهب",
        "الجاهزية",
        "الاستجابة",
    ],
    "cyber_goal": [
        "تخريب",
        "تعطيل",
        "انقطاع الكهرباء",
        "[إا]طفاء",
        "اختراق",
        "السيطرة على",
        "التحكم في",
        "تسميم",
        "هجوم",
        "مهاجمة",
        "برامج الفدية",
        "برمجيات خبيثة",
        "تدمير",
        "دون اكتشاف",
        "[أا]?ضعا?ف الحد",
        "فوق الحد (المسموح|الأقصى)",
        "[إا]خفاء (ال)?[إا]نذارات?",
        "[إا]خفاء (ال)?تنبيهات",
        "تعطيل (ال)?[إا]نذارات?",
        "فتح (جميع|كل) القواطع",
        "انقطاع شامل",
        "[إا]حداث انقطاع",
        "(رفع|زيادة) جرعة",
        "[إا]يقاف",
        # the lights cut, the water poisoned (أقطع النور عن المدينة, أسمم الخزان)
        r"(قطع|[أنيت]قطع)\w* (ال)?(كهرباء|نور|تيار)",
        r"[أنيت]سمم",
        "[أنيت]خترق",
        # the alarms kept quiet, as a present state ("بينما الإنذارات مكتومة", "مع إبقاء
        # الإنذارات صامتة"; not "كانت الإنذارات معطلة", a report)
        r"(?<!كانت )(?<!كانت ال)(?<!كان )(?<!كان ال)[إا]نذار(ات)? ((لا تزال|تبقى|تظل|ما زالت|"
        r"جميعها|كلها) )?(مكتوم|صامت|معطل|مخفي|مكبوت|متوقف|مطفأ|مغلق)(ة|ين)?(?!\w)",
        # the process driven far past its bound by an instruction: a purpose ("حتى يتجاوز الحد
        # بكثير") or an imperative, present or verbal noun in front ("كيف أرفع ... أعلى بكثير من
        # الحد"); "تجاوز الكلور الحد بكثير", a report, is not read
        r"(حتى |بحيث |كي |لكي |ل)[يت](تجاوز|تخطى|تعدى|فوق)\S* (\S+ ){0,3}?(ال)?(حد|حدود|سقف|قيمة|"
        r"نقطة الضبط)\S*( \S+){0,2}? بكثير",
        r"(افتح|ارفع|ادفع|اضبط|شغل|زد|ابق|أبق|أوصل|اوصل|[أنيت](فتح|رفع|دفع|ضبط|شغل|بقي|وصل|زيد)|"
        r"تشغيل|زيادة|[إا]بقاء|[إا]يصال)\S* (\S+ ){0,12}?((أعلى|اعلى|يزيد) بكثير (من|عن|على) (ال)?"
        r"(حد|حدود|سقف|قيمة|نقطة الضبط)|\S*(يتجاوز|تتجاوز|تجاوز|يفوق|تفوق|يتخطى|تتخطى|فوق) (ال)?"
        r"(حد|حدود|سقف|قيمة|نقطة الضبط)\S*( \S+)? بكثير)",
    ],
    "equipment": [
        "مرحلا?ت? (ال)?حماية",
        "[أا]جهزة (ال)?حماية",
    ],
    "weapons": [
        "سارين|سومان|تابون|في [إا]كس|غاز الأعصاب|غاز الخردل|ريسين|أسلحة ال?كيميائية|"
        "سلاح ال?كيميائي|أسلحة ال?بيولوجية|قنبلة قذرة|قنبلة نووية|قنبلة ذرية|سلاح نووي",
    ],
    "countered": [
        r"(حماية|[يتن]حمي|منع|تأمين) (\S+ ){0,5}من (ال)?(سرقة|تهريب)",
        r"منع (ال)?(سرقة|تهريب)",
    ],
}

LANGUAGES: dict[str, dict[str, object]] = {
    "en": EN,
    "fr": FR,
    "de": DE,
    "es": ES,
    "ru": RU,
    "zh": ZH,
    "ja": JA,
    "ar": AR,
}

# What decides that something is ASKED, and the generic poisons (issue 21, the lexicon's
# requests round). Per language:
#
# * ``addressed``: an instruction addressed to the assistant (a model, an AI) inside a document,
#   a planted email or notes ("the assistant must explain ...", "Assistant: write ...",
#   "助手必须解释", "アシスタントは…説明すること", "على المساعد أن يشرح"): a request, not a mention;
# * ``howto``: the words of a how-to question ("how to", "comment", "wie man", "cómo", "как",
#   "如何", "方法", "كيف"): when the goal is the very thing they ask how to do (no defensive word
#   between them), the asker is the one acting, whoever the sentence names;
# * ``poisons``: generic poisons (poison, toxin, arsenic, thallium, Gift, яд, 毒, سم): an agent
#   only beside a poisoning of people (``poison_acts``: poisoning someone, their food or drink,
#   or a water supply) or a covert harm (``covert_harm``: a death made to look natural, a
#   poisoning that no autopsy or tox screen finds), never beside the science of toxins;
# * ``covert_harm``: also read as a strong goal beside every agent.
ASKED: dict[str, dict[str, list[str]]] = {
    "en": {
        "addressed": [
            r"(the |an? )?(AI |AI-|virtual )?(assistant|chatbot|language model|LLM|AI model|AI)\)?"
            r"( (must|should|shall|has to|is to|needs to|will|is (asked|required|expected) to))",
            r"(the |an? )?(AI )?(assistant|chatbot|LLM|AI)\)?\s*:",
            r"(note|instructions?|message|task)s? (for|to) (the )?(AI|assistant|model|chatbot|LLM)",
            r"(for|to) the (AI|assistant|model|chatbot|LLM)( only)?\)?\s*:",
            r"(AI|assistant|model|LLM)[- ]only\)?\s*:",
        ],
        "howto": [
            r"how to",
            r"how one",
            r"how (do|can|could|would|should|might) (i|we|you|one|someone|somebody|people|a \w+)",
            r"(the |a )?(best |easiest |quickest |simplest |cheapest |safest )?(ways?|method) (to"
            r"|of)",
            r"figure out how",
            r"find out how",
        ],
        "poisons": [
            r"poisons?",
            r"toxins?",
            r"toxic (substances?|compounds?|chemicals?)",
            r"arsenic",
            r"thallium",
            r"cyanide",
            r"strychnine",
            r"rat poison",
            r"aconit\w*",
        ],
        "poison_acts": [
            r"poison(s|ed|ing)? (him|her|them|someone|somebody|a person|people|my|his|her|their|"
            r"our|the|a|an|\w+'s)\b",
            r"(put|puts|putting|slip\w*|mix\w*|add\w*|lac(e|es|ed|ing)|spik\w*|stir\w*|sneak\w*|"
            r"dos(e|es|ed|ing)|administer\w*|tip\w*|pour\w*) (\S+ ){0,6}(in|into|to|with) (the |h"
            r"is |"
            r"her |their |my |our |a |an |someone's |somebody's |\w+'s )?(\w+ )?(food|meals?|drin"
            r"ks?|"
            r"coffee|tea|soup|dinner|lunch|breakfast|wine|beer|water supply|reservoir|water tank|"
            r"well|drinking water)",
            r"(contaminat\w*|taint\w*|pollut\w*) (the |a |an |our |their |his |her )?(\w+ )?(water "
            r"supply|reservoir|water tank|drinking water|food supply|well)",
            r"(a |the )?(target|victim)'s (weight|meals?|food|drinks?|routine|diet)",
            r"(make|making|made) (him|her|them|someone|a person) (sick|ill|die)",
            # the poison placed in another's food or drink
            r"(in|into) (his|her|their|my|your|someone's|somebody's|a person's|\w+'s) (\w+ )?"
            r"(food|meals?|drinks?|coffee|tea|soup|dinner|lunch|breakfast|wine|beer)",
        ],
        "covert_harm": [
            r"(look|looks|looking|appear\w*|seem\w*|pass\w*)( like| as)? (an? )?(natural|accident"
            r"al)"
            r"( \w+)?( (death|causes|illness|disease|heart attack|accident))?",
            r"(nothing |not |never )?(shows?|turns?) up (on|in) (a |the |any )?(\w+ )?(tox(icolog"
            r"y)? "
            r"screens?|autops\w*|post-?mortems?|blood tests?)",
            r"(escape|evade|fool|beat|pass|survive)\w* (the |an? |any )?(\w+ )?(autops\w*|tox(ico"
            r"logy)?"
            r" screens?|post-?mortems?|coroner)",
            r"untraceabl\w*",
            r"without (leaving )?(a |any )?trace",
        ],
    },
    "fr": {
        "addressed": [
            r"(l'|l’)?(assistant|IA|intelligence artificielle|modèle)\)? (doit|devra|devrait|est "
            r"(prié|tenu|chargé)|aura à)",
            r"(l'|l’)?(assistant|IA)\)?\s*:",
            r"(à|pour) (l'|l’)(assistant|IA)( uniquement| seulement)?\)?\s*:?",
        ],
        "howto": [
            r"comment",
            r"(la )?(meilleure |plus simple )?(façon|manière|moyen|méthode) de",
        ],
        "poisons": [
            r"poisons?",
            r"toxines?",
            r"substances? toxiques?",
            r"arsenic",
            r"thallium",
            r"cyanure",
            r"strychnine",
            r"mort-aux-rats",
        ],
        "poison_acts": [
            r"empoisonn(er|e|es|ons|ez|ent|ant|erai|era|é|ée|és|ées)",
            r"(mettre|mets|mettez|verser|verse|versez|glisser|glisse|ajouter|ajoute|mélanger|"
            r"mélange|administr\w*|introdui\w*)(\S+ ){0,6}dans (le |la |les |l'|l’|son |sa |ses |"
            r"leur |leurs |mon |ma |mes |un |une )?(\w+ )?(repas|nourriture|boissons?|café|thé|"
            r"soupe|eau potable|réservoir|château d'eau|puits|plats?)",
            r"dans (les |le |son |sa |ses )?(repas|nourriture|boissons?|café|thé) d[e'’]",
            r"dans (son|sa|ses|leur|leurs) (\w+ )?(repas|nourriture|boissons?|café|thé|soupe|plat"
            r"s?)",
            r"(contamin|pollu)\w* (le |la |l'|l’|les )?(\w+ )?(réservoir|réseau d'eau|eau potable|"
            r"château d'eau|puits|approvisionnement en eau)",
        ],
        "covert_harm": [
            r"(paraisse|paraître|paraît|semble|sembler|ressembl\w*|passe\w* pour) (\w+ ){0,2}"
            r"(naturel\w*|accident\w*|maladie)",
            r"(échapp\w*|résist\w*) à (l'|l’)autopsie",
            r"indétectables? (à|par|lors de) (l'|l’)?(autopsie|analyse)",
            r"sans laisser de traces?",
            r"intraçables?",
        ],
    },
    "de": {
        "addressed": [
            r"(der |die |das )?(KI-?)?(Assistent\w*|KI|Chatbot|Sprachmodell|Modell)\)? (muss|soll|"
            r"sollte|hat \w+ zu|wird gebeten)",
            r"(der |die )?(Assistent|KI)\)?\s*:",
            r"(an|für) (den |die |das )?(Assistenten|KI|Chatbot|Modell)( allein)?\)?\s*:",
        ],
        "howto": [
            r"wie man",
            r"wie (kann|könnte|können|lässt sich|würde|sollte?) (man|ich|wir)",
            r"wie \w+ (ich|man|wir)",
            r"(der |die )?(beste|einfachste)n? (weg|art|methode),?",
        ],
        "poisons": [
            r"gift(e|es|s|stoff\w*)?",
            r"toxin\w*",
            r"arsen",
            r"thallium",
            r"(zyanid|cyanid|blausäure)",
            r"strychnin",
            r"rattengift",
        ],
        "poison_acts": [
            r"vergift(e|en|et|est|ete|eten|ung (des|der|von) (\w+ )?(trinkwasser\w*|wasser\w*|"
            r"brunnen\w*))",
            r"(misch\w*|gib\w*|geben|tu\w*|streu\w*|träufel\w*|schütt\w*|verabreich\w*)"
            r"(\S+ ){0,6}(ins|in (das|den|die|sein\w*|ihr\w*|eine?n?)) (\w+ )?(essen|trinken|"
            r"getränk\w*|kaffee|tee|mahlzeit\w*|speise\w*|suppe|trinkwasser\w*|brunnen|"
            r"wasserspeicher\w*|stausee|talsperre)",
            r"ins (essen|getränk|trinken)",
            r"in (sein\w*|ihr\w*|dessen|deren) (\w+ )?(essen|getränk\w*|kaffee|tee|mahlzeit\w*|su"
            r"ppe)",
            r"(verseuch|kontaminier|versetz)\w* (das |den |die )?(\w+ )?(trinkwasser\w*|"
            r"wasserspeicher\w*|reservoir|brunnen|wasserversorgung|stausee|talsperre)",
        ],
        "covert_harm": [
            r"(wie |als )?(eine |einen )?natürlich\w* (krankheit|tod|todesursache|erkrankung)",
            r"(krankheit|tod) vermute\w*",
            r"(bei der |in der |keine )?obduktion (nichts |nicht )?(find\w*|entdeck\w*|nachweis\w*|"
            r"auffäll\w*)",
            r"spurlos",
            r"ohne spuren",
        ],
    },
    "es": {
        "addressed": [
            r"(el |la )?(asistente|IA|modelo|inteligencia artificial)\)? (debe|deberá|debería|"
            r"tiene que|ha de)",
            r"(el )?(asistente|IA)\)?\s*:",
            r"(al|para el) (asistente|modelo)( solamente| únicamente)?\)?\s*:?",
            r"(a|para) la IA( solamente| únicamente)?\)?\s*:?",
        ],
        "howto": [
            r"cómo",
            r"como (puedo|podría|se puede|hago|hacer)",
            r"(la )?(mejor |más fácil )?(manera|forma|método) de",
        ],
        "poisons": [
            r"venenos?",
            r"toxinas?",
            r"sustancias? tóxicas?",
            r"arsénico",
            r"talio",
            r"cianuro",
            r"estricnina",
            r"matarratas",
        ],
        "poison_acts": [
            r"envenen(ar|a|o|as|amos|an|ando|e|es|en|é|ó|arlo|arla|arlos|arle)",
            r"(poner|pon|echar|echa|echo|mezclar|mezcla|añadir|añade|meter|mete|administrar\w*|"
            r"verter|vierte)(\S+ ){0,6}en (la |el |los |las |su |sus |mi |mis )?(\w+ )?(comidas?|"
            r"bebidas?|café|té|sopa|agua potable|depósito|embalse|pozo|cena|desayuno)",
            r"en (su|sus) (\w+ )?(comidas?|bebidas?|café|té|sopa|cena|desayuno)",
            r"(contamin|envenen)\w* (el |la |los |las )?(\w+ )?(depósito|embalse|suministro|agua "
            r"potable|pozo|reserva de agua)",
        ],
        "covert_harm": [
            r"(parezca|parecer|pase por|pasar por|parezcan) (\w+ ){0,2}(natural\w*|accident\w*|"
            r"enfermedad)",
            r"(no )?(la |lo )?(detecte|detecten|descubra|encuentre)\w* (en )?la autopsia",
            r"sin dejar rastros?",
            r"indetectables?",
        ],
    },
    "ru": {
        "addressed": [
            r"(ассистент|ИИ|модел|нейросет|чат-?бот)\w*\)? (долж\w*|обязан\w*|нужно|следует|надо)",
            r"(ассистент|ИИ|нейросет|модел)\w*\)?\s*:",
            r"(для|к) (ассистент|ИИ|модел|нейросет)\w*\)?\s*:?",
            r"исполнител\w* \(ИИ\)",
        ],
        "howto": [
            r"как",
            r"каким образом",
            r"(лучш\w* |прост\w* )?способ\w*",
        ],
        "poisons": [
            r"яд(а|у|ом|е|ы|ов|ами)?",
            r"отрав(а|ы|у|ой)",
            r"токсин\w*",
            r"ядовит\w*( вещест\w*)?",
            r"мышьяк\w*",
            r"талли\w*",
            r"цианид\w*",
            r"стрихнин\w*",
        ],
        "poison_acts": [
            r"отрав(ить|лю|ишь|им|ите|ит|ят|ляю|ляем|лять|ляет|ил|ила|или)",
            r"(подсыпа|подмеша|добав|подли|подлива|влива|влить|сыпа)\w* (\S+ ){0,5}(в|во) (\w+ )?"
            r"(еду|пищу|напит\w*|кофе|чай|суп|воду|водопровод\w*|водохранилищ\w*|колодец|бак)",
            r"в (его|её|ее|их) (еду|пищу|напит\w*|кофе|чай|суп)",
            r"(загрязн|зараз|отрав)\w* (\w+ )?(водохранилищ\w*|водопровод\w*|колод\w*|питьев\w* "
            r"вод\w*|резервуар\w*)",
        ],
        "covert_harm": [
            r"(выглядел\w*|выглядит|казал\w*|сошл\w*|приня\w*) (\w+ )?(как |за )?(\w+ )?"
            r"(естественн\w*|несчастн\w*|болезн\w*)",
            r"(не )?(обнаруж|найд|выяв)\w* (при |на )?вскрыти\w*",
            r"не остав\w* след\w*",
            r"бесследно",
        ],
    },
    "zh": {
        "addressed": [
            "(助手|AI|人工智能|模型|机器人|智能体)(必须|应该|应当|需要|须|务必|要|请)",
            "(助手|AI|人工智能)\\s*[:：]",
            "仅供(AI|助手|人工智能|模型)",
            "(给|致|对|供)(AI|助手|人工智能|模型)(的)?(指示|说明|指令)",
        ],
        "howto": ["如何", "怎么", "怎样", "怎麼", "咋", "(的)?(方法|办法)"],
        "poisons": [
            "(?<![消病防解抗])毒(?![品性理素学气剂])",
            "毒药",
            "毒物",
            "毒素",
            "铊",
            "砒霜",
            "砷",
            "氰化(物|钾|钠)",
            "(老)?鼠药",
            "毒鼠强",
        ],
        "poison_acts": [
            "投毒",
            "下毒",
            "毒死",
            "毒害",
            "(放|加|投|下|掺|混|倒)(进|到|入|在)?[^。？！，,]{0,8}(咖啡|茶|饭菜?|食物|饮料|酒|水杯|杯子|"
            "水库|水源|水箱|蓄水池|供水|饮用水)(里|中)?",
            "(往|在)[^。？！，,]{0,8}(咖啡|茶|饭菜?|食物|饮料|酒|水杯|水库|水源|水箱)(里|中)(放|加|下|掺|倒)",
            "污染[^。？！，,]{0,6}(水库|水源|供水|蓄水池|饮用水|水井|水箱)",
            "让[^。？！，,]{0,6}(病倒|死掉|死去|中毒)",
        ],
        "covert_harm": [
            "(医院|尸检|验尸|法医)[^。？！]{0,6}(查不出|查不到|发现不了|验不出)",
            "(看起来|看上去|伪装成|装成)(像)?(是)?(自然|意外)",
        ],
    },
    "ja": {
        "addressed": [
            "(アシスタント|AI|人工知能|モデル|チャットボット)(は|が|へ|に)[^。]{0,80}"
            "(すること|してください|せよ|しなさい|しろ|する必要|べき)",
            "(アシスタント|AI|人工知能)(への|向けの?|宛ての?)(指示|メモ|メッセージ|注意)",
            "(アシスタント|AI)\\s*[:：]",
        ],
        "howto": ["方法", "やり方", "どうやって", "どうすれば", "どのように", "手順", "仕方"],
        "poisons": [
            "(?<![消解防病])毒(?![性ガス])",
            "毒物",
            "毒薬",
            "毒素",
            "タリウム",
            "ヒ素",
            "青酸",
            "シアン化",
            "ストリキニーネ",
            "殺鼠剤",
        ],
        "poison_acts": [
            "毒(物|薬)?を(入れ|混ぜ|投入|流し|盛)",
            "(食事|飲み物|コーヒー|お茶|料理|弁当|貯水池|水道|浄水|井戸|水源)に[^。]{0,12}(毒|混ぜ|入れ|投入)",
            "(貯水池|水道|水源|井戸|給水)[^。]{0,4}を[^。]{0,4}汚染",
            "毒殺",
            "中毒させ",
        ],
        "covert_harm": [
            "(自然死|病死|事故|病気|自然)[^。]{0,3}に見せかけ",
            "(解剖|検死|検視|薬物検査)(でも|で|に)[^。]{0,4}(分から|わから|発見され|検出され|見つから)ない",
            "痕跡を残さ",
        ],
    },
    "ar": {
        "addressed": [
            "على (ال)?مساعد",
            "(ال)?مساعد (يجب|عليه|ينبغي|يتعين)",
            "يجب على (ال)?(مساعد|ذكاء الاصطناعي|نموذج)",
            "للمساعد",
            "للذكاء الاصطناعي",
            "(ال)?مساعد ?[:：]",
        ],
        "howto": ["كيف", "كيفية", "طريقة", "طرق"],
        "poisons": [
            "(?<!ا)سم(?!\\w)",
            "سموم\\w*",
            "(مادة|مواد) سامة",
            "زرنيخ",
            "ثاليوم",
            "سيانيد",
            "ستركنين",
        ],
        "poison_acts": [
            "[أنيت]?سمم\\w*",
            "تسميم",
            "(دس|[أنيت]دس|وضع|[أنيت]ضع|خلط|[أنيت]خلط|[إا]ضافة|[أنيت]ضيف)\\S*(?: \\S+){0,6} (في|[إ"
            "ا]لى) "
            "?(ال)?(شاي|قهوة|طعام|[أا]كل|شراب|مشروب|وجبة|خزان|مياه|بئر)",
            "(تلويث|[أنيت]لوث)\\S* (ال)?(خزان|مياه|بئر)",
        ],
        "covert_harm": [
            "[يت]بدو (\\S+ ){0,2}طبيعية?",
            "(لا|لن|ما) ?[يت]كشف\\S* (ال)?تشريح",
            "(دون|بدون|بلا) [أا]ن (يكتشف|يكشف)\\S* (ال)?تشريح",
        ],
    },
}

# Goals and agents some languages lacked, each added in all eight where missing:
# * evading the detectors ("躲过探测器", "検知器を回避", "يتجنب أجهزة الكشف");
# * diverting material: taking it out of the lab, institute or facility, under a false name,
#   with forged papers, without the registration or approval ("вывезти из института",
#   "把菌株带出实验室", "届け出なしで", "名義を偽って");
# * skipping a supplier's or an institution's screening ("saltarse la revisión");
# * disabling a protection system, written as the language writes it (the protection is the
#   equipment, not defence: "вывести из строя систему противоаварийной защиты", "نعطل أنظمة
#   الحماية", "关闭…超压保护");
# * the operators shown normal readings while the process is driven out of bounds
#   ("监視画面には正常値を表示", "伪造的正常读数", "Anzeige auf Normalwerte einfrieren");
# * nuclear material named as such, gas pipelines and compressor stations, and Arabic's
#   "chemical agent" in the accusative an instruction writes ("ينشر عاملًا كيميائيًا").
MORE: dict[str, dict[str, object]] = {
    "en": {
        "strong": [
            r"(take|taking|took|sneak\w*|carry\w*|get|getting|walk\w*|bring\w*|move|moving) (\w+ )"
            r"{0,4}out of the (lab|laboratory|institute|facility|plant|repository|collection)",
            r"(under|with|using) (a )?(false|fake|forged|borrowed|stolen) (names?|identit\w*|"
            r"documents?|papers?|credentials|end-user certificates?)",
            r"forged (documents?|papers?|paperwork|permits?|licen[cs]es?|certificates?)",
            r"skip\w* (the )?(\w+ ){0,2}(screening|approvals?|review|checks?|biosafety|"
            r"inspections?)",
        ],
        "agents": {NUC: [r"(sensitive |weapons-usable )?nuclear materials?"]},
    },
    "fr": {
        "strong": [
            r"(sort\w*|fai\w* sortir|emport\w*) (\S+ ){0,4}(du|de l'|hors du|hors de l') "
            r"(laboratoire|institut|site|installation|collection)",
            r"(sous|avec) (un |une |de )?(faux|fausse|fausses|usurp\w*) (nom|identit\w*|"
            r"documents?|papiers)",
            r"faux (documents?|papiers|certificats?|permis)",
            r"(contourn|saut|évit)\w* (le |la |les )?(\w+ ){0,2}(contrôles?|criblage|vérification"
            r"s?|"
            r"examen|biosécurité|autorisations?)",
            r"(désactiv|neutralis|court-circuit|shunt)\w* (\S+ ){0,4}(protections?|sécurités?|"
            r"dispositifs? de sécurité|verrouillages?|soupapes?)",
            r"(échapp\w*|tromp\w*|contourn\w*) (\S+ ){0,2}(détecteurs|portiques|douanes?)",
        ],
        "agents": {NUC: [r"matières? nucléaires?( sensibles?)?"]},
        "cyber_goal": [
            r"(affich\w*|montr\w*|fig\w*) (\S+ ){0,4}(valeurs?|lectures?|mesures?) normales?",
        ],
    },
    "de": {
        "strong": [
            r"entwend\w*",
            r"aus (dem|der) (labor|institut|einrichtung|anlage|sammlung|lager) (\w+ )?"
            r"(schaff\w*|bring\w*|schmuggel\w*|hol\w*|raus\w*)",
            r"(unter|mit) (falsche\w*|gefälschte\w*) (namen|identität|papiere\w*|dokumente\w*)",
            r"gefälschte\w* (papiere|dokumente|genehmigung\w*|zertifikat\w*)",
            r"(umgeh|überspring)\w* (die |das |den )?(\w+ ){0,2}(prüfung|kontrolle\w*|screening|"
            r"genehmigung\w*|biosicherheit\w*)",
            r"(an|um) (den |die |das )?(\w+ )?(kontrollen|zoll|detektoren|portalmonitor\w*|"
            r"inspektor\w*|safeguards) vorbei",
        ],
        "agents": {
            NUC: [r"(sensible\w* )?(kernmaterial\w*|nuklearmaterial\w*|spaltmaterial\w*)"],
            CYBER: [r"fernwirk\w*", r"wasserwerk\w*", r"gasverdichter\w*"],
        },
        "cyber_goal": [
            r"(anzeige|display|hmi|bildschirm)\w* (\S+ ){0,4}normal\w* (\S+ )?(einfrier|zeig|halt"
            r")\w*",
            r"im dunkeln",
            r"auf (das )?maximum",
        ],
    },
    "es": {
        "strong": [
            r"(sac\w*|llev\w*) (\S+ ){0,4}(del|fuera del) (laboratorio|instituto|centro|colección)",
            r"(con|bajo) (un |una )?(nombres?|identidad|documentos?|papeles) (falsos?|falsas?|"
            r"ajenos?)",
            r"documentos? falsos?|papeles falsos",
            r"(saltar|saltarse|salt\w*|evitar|esquivar) (la |el |los |las )?(\w+ ){0,2}"
            r"(revisi\w*|cribado|controles?|verificaci\w*|bioseguridad)",
            r"sin (\w+ ){0,1}controles( de \w+)?",
            r"(para )?que no levante\w* sospechas",
            r"(anul|desactiv|bloque|puente)\w* (\S+ ){0,3}(proteccion\w*|válvulas? de seguridad|"
            r"enclavamientos?|seguridades)",
        ],
        "agents": {NUC: [r"materiale?s? nucleare?s?( sensibles?)?"]},
        "cyber_goal": [
            r"(mostr|enseñ|muestr)\w* (\S+ ){0,4}(valores|lecturas) normales",
        ],
    },
    "ru": {
        "strong": [
            r"(вывез\w*|вынес\w*|вывоз\w*|вынос\w*|вывести|вынести) (\S+ ){0,3}из (института|"
            r"лаборатори\w*|центра|коллекци\w*|хранилищ\w*)",
            r"по (поддельн|фальшив|чуж)\w* (документ|бумаг|паспорт)\w*",
            r"(поддельн|фальшив)\w* (документ|бумаг|справк|разрешени)\w*",
            r"(обойти|обход\w*|пропуст\w*) (\S+ ){0,2}(проверк|скрининг|контрол|биобезопасн)\w*",
            r"(вывести из строя|вывод\w* из строя|отключ\w*|заблокир\w*|обойти|обход\w*) (\S+ ){0"
            r",4}"
            r"(противоаварийн\w* )?защит\w*",
        ],
        "agents": {
            NUC: [r"ядерн\w* материал\w*"],
            BIO: [r"особо опасн\w* (инфекци|патоген|возбудител|штамм)\w*"],
            CYBER: [r"нефтепровод\w*", r"газопровод\w*", r"компрессорн\w* станц\w*"],
        },
        "equipment": [r"(систем\w* )?противоаварийн\w* защит\w*"],
        "cyber_goal": [
            r"(показ|отображ|выда)\w* (\S+ ){0,3}нормальн\w* (показани|значени)\w*",
        ],
    },
    "zh": {
        "strong": [
            "(躲过|躲开|绕过|逃过|避过|骗过|避开)[^。？！，,]{0,6}(探测|检测|监测|安检|海关|检查|核查|视察|"
            "传感器|报警)",
            "(带出|偷出|拿出|运出|弄出)[^。？！，,]{0,4}(实验室|研究所|研究院|设施|仓库|库房|单位)",
            "(不让|别让|不要让|不能让|不会让)[^。？！，,]{0,10}(发现|察觉|知道|查到|查出|注意到)",
            "(冒用|假冒|伪造)[^。？！，,]{0,6}(名义|身份|证件|文件|手续|许可)",
            "(关闭|关掉|禁用|破坏|拆除|绕过|屏蔽|短接)[^。？！，,]{0,10}(保护|联锁|安全阀|安全系统|安全仪表)",
        ],
        "agents": {
            NUC: ["核材料"],
            CYBER: ["(输气|燃气|天然气|输油|石油)(管道|管线)", "(天然气|燃气)?压缩站", "调度系统"],
        },
        "equipment": ["(超压|过压|泄压|安全联锁)保护"],
        "cyber_goal": [
            "伪造[^。？！，,]{0,6}(正常)?(读数|数据|信号|数值)",
            "(显示|发送)[^。？！，,]{0,6}正常(的)?(读数|数据|数值)",
        ],
    },
    "ja": {
        "strong": [
            "(検知器?|探知機|検出器|センサー?|監視(装置|カメラ)?|警報)を(回避|逃れ|避け|すり抜け|欺|かいくぐ)",
            "(届け?出|許可|申請|承認)(なし|無し|なく|を経ず|せず)",
            "名義を(偽|借り|騙)",
            "(外|外部|施設外|研究所の外|研究室の外)へ?持ち出",
            "(保護|安全弁|安全装置|インターロック|遮断弁)[^。]{0,6}(止め|無効|解除|停止|切|外)",
        ],
        "agents": {
            NUC: ["核物質"],
            CYBER: ["(ガス|石油|天然ガス)(パイプライン|導管)", "整圧器", "浄水場"],
        },
        "cyber_goal": [
            "(監視画面|画面|HMI|表示)[^。]{0,8}正常(値|な値|な数値)",
            "危険な(値|レベル|濃度|量)",
        ],
    },
    "ar": {
        "strong": [
            "([يتن]?تجنب|تجنب|[يتن]?تفادى|تفادي|[يتن]?تحايل على|التحايل على|[يتن]?تهرب من|"
            "[يتن]?خدع|خداع) (\\S+ ){0,2}?(ال)?(كشف|كاشف|[أا]جهزة (ال)?كشف|مفتشين|رقابة|تفتيش|"
            "جمارك|[أا]جهزة (ال)?(رصد|استشعار))",
            "([يتن]?عطل|تعطيل)\\S* (\\S+ ){0,2}(ال)?(حماية|[أا]مان|سلامة)",
            "(إخراج|[يتن]?خرج|تهريب|[يتن]?هرب)\\S* (\\S+ ){0,3}من (ال)?(مختبر|معهد|منشأة|مركز)",
            "(بوثائق|ب[أا]وراق|بمستندات) (مزورة|مزيفة)",
            "(من )?(دون|بدون) تدقيق",
        ],
        "agents": {
            CHEM: [
                "عوامل (ال)?كيميائية",
                "عاملا? (ال)?كيميائيا?",
                "(ال)?مادة (ال)?كيميائية (ال)?سامة",
            ],
            NUC: ["(ال)?مواد (ال)?نووية"],
            CYBER: ["خطو?ط? [أا]نابيب (ال)?(نفط|غاز)", "محطة (ال)?ضغط"],
        },
        "equipment": ["[أا]نظمة (ال)?(حماية|[أا]مان)"],
        "cyber_goal": ["دون [أا]ن (تظهر|يظهر|تنطلق)\\S* (ال)?[إا]نذار\\S*"],
    },
}

# Recreating an agent from synthesis (an eradicated virus from synthetic DNA or its published
# sequence), as English already reads it, in the other seven; and Spanish's "in the
# journalist's food" as the placement of a poison in another's food.
RECREATED: dict[str, list[str]] = {
    "fr": [
        r"(recré|reconstitu|ressuscit|reconstrui)\w* (\S+ ){0,3}(à partir d[eu'’]|par|avec) "
        r"(l['’]|un |une |la )?(ADN synthétique|synthèse|séquence)",
        r"(recré|reconstitu|ressuscit|reconstrui)\w* (\S+ ){0,3}synthétiquement",
    ],
    "de": [
        r"(wiederherstell|rekonstruier|wiederbeleb|nachbau)\w* (\S+ ){0,3}(aus|mit|durch|anhand) "
        r"(synthetische\w* DNA|synthese|der (veröffentlichten )?sequenz)",
        r"synthetisch (\S+ ){0,2}(wiederherstell|rekonstruier|wiederbeleb|nachbau|neu erschaff)\w*",
    ],
    "es": [
        r"(recre|reconstru|resucit|reviv)\w* (\S+ ){0,3}(a partir de|con|mediante|desde) "
        r"(el |la )?(ADN sintético|síntesis|secuencia)",
        r"(recre|reconstru|resucit|reviv)\w* (\S+ ){0,3}sintéticamente",
    ],
    "ru": [
        r"(восстанов|воссозда|реконструир|возрод)\w* (\S+ ){0,3}(синтетическ\w*|по (опубликованн"
        r"\w* )?последовательност\w*|из синтетическ\w* ДНК)",
        r"синтетически (\S+ ){0,2}(восстанов|воссозда|собра|собир)\w*",
    ],
    "zh": [
        "(合成|人工合成|从头合成)[^。？！，,]{0,6}(复活|重建|复原|再造)",
        "(复活|重建|复原|再造)[^。？！，,]{0,8}(合成DNA|合成的DNA|基因序列|公开的序列)",
    ],
    "ja": [
        "(合成DNA|公開(された)?配列|配列情報)から[^。]{0,8}(復活|再構築|再生|作り直|復元)",
        "(人工|化学)?合成で[^。]{0,8}(復活|再構築|復元)",
    ],
    "ar": [
        "([إا]حياء|[إا]عادة (بناء|تخليق|تركيب|[إا]نشاء)) (\\S+ ){0,3}(من|عبر|باستخدام) "
        "(ال)?(حمض (ال)?نووي (ال)?(اصطناعي|مصنع)|تسلسل|تخليق)",
    ],
}
# unnoticed, as German's "unbemerkt" and Russian's "незаметно" already read
RECREATED["en"] = [r"unnoticed", r"unseen"]
RECREATED["fr"] += [r"inaperçue?s?", r"en toute discrétion"]
RECREATED["es"] += [r"inadvertid[oa]s?", r"sin ser vist[oa]s?"]
RECREATED["ja"] += ["気付かれ(ず|ない)"]
# Opening every gate of a dam at once, as English reads tripping every breaker; and Russian's
# "нарабатывать" (to produce in bulk) and "боевой штамм" (a weapons strain).
GATES = {
    "en": [r"(open|raise)\w* (all|every) (the )?(\w+ )?(floodgates?|gates|sluices?)"],
    "fr": [r"ouvr\w* (toutes )?les vannes( \w+)? (en même temps|d'un coup|toutes)"],
    "de": [r"alle (\w+ )?(schleusen|schütze|tore|wehrverschlüsse) (\w+ ){0,3}öffne\w*"],
    "es": [r"abr\w* (todas )?las compuertas", r"abrirlas todas"],
    "ru": [r"откр\w* (все )?(\w+ )?(затвор|шлюз|задвижк)\w*", r"получ\w* (туда |к ним )?доступ"],
    "zh": ["(打开|开启)(所有|全部)[^。？！，,]{0,4}(闸门|泄洪闸)"],
    "ja": ["(水門|ゲート)を(全部|すべて|一斉に)[^。]{0,4}開け"],
    "ar": ["فتح (جميع|كل) (ال)?بوابات"],
}
for _lang, _fragments in GATES.items():
    MORE.setdefault(_lang, {}).setdefault("cyber_goal", []).extend(_fragments)  # type: ignore[union-attr]
MORE["ru"].setdefault("production", []).extend([r"нарабат\w*", r"наработ\w*"])  # type: ignore[union-attr]
RECREATED["ru"] += [r"боев\w* (штамм|рецептур|вариант)\w*"]
for _lang, _fragments in RECREATED.items():
    MORE.setdefault(_lang, {}).setdefault("strong", []).extend(_fragments)  # type: ignore[union-attr]
ASKED["es"]["poison_acts"].append(
    r"en (la|el|las|los) (comidas?|bebidas?|café|té|sopa|cena|desayuno) (de|del) (la )?\w+"
)

# Dams and their floodgates, and compressor stations, are control-system targets as grids and
# pipelines are ("una presa hidroeléctrica ... tomar el control y abrirlas todas"), in all eight.
TARGETS: dict[str, list[str]] = {
    "en": [
        r"(hydroelectric |hydro-electric )?dams?",
        r"floodgates?",
        r"spillway gates?",
        r"compressor stations?",
    ],
    "fr": [
        r"barrages?( hydroélectriques?)?",
        r"vannes? (du|d'un|des) barrages?",
        r"stations? de compression",
    ],
    "de": [
        r"staudämm?e\w*",
        r"talsperre\w*",
        r"wasserkraftwerk\w*",
        r"schleusentor\w*",
        r"verdichterstation\w*",
    ],
    "es": [
        r"presas?( hidroeléctricas?)?",
        r"compuertas?",
        r"central(es)? hidroeléctricas?",
        r"estaci(ón|ones) de compresión",
    ],
    "ru": [r"плотин\w*", r"гидроэлектростанци\w*", r"шлюз\w*", r"затвор\w* плотин\w*"],
    "zh": ["大坝", "水坝", "水电站", "泄洪闸", "闸门"],
    "ja": ["ダム", "水門", "水力発電所", "圧縮機ステーション"],
    "ar": ["(ال)?سدو?د?(?!\\w)", "بوابات (ال)?سد", "محطة (ال)?طاقة (ال)?كهرومائية"],
}
for _lang, _fragments in TARGETS.items():
    _agents = MORE.setdefault(_lang, {}).setdefault("agents", {})
    _agents.setdefault(CYBER, []).extend(_fragments)  # type: ignore[union-attr]

# The antidotes of nerve-agent poisoning are care, as "atropine" and "pralidoxime" are in
# English (a German antidote-dosing tool was refused as "Vergiftungen mit Nervenkampfstoffen");
# a named past incident ("地下鉄サリン事件", "沙林毒气事件") is history, and crisis management
# is defence.
CARE: dict[str, list[str]] = {
    "en": [r"obidoxime"],
    "fr": [r"atropine", r"pralidoxime", r"obidoxime"],
    "de": [r"atropin", r"pralidoxim", r"obidoxim", r"gegengift\w*"],
    # Spanish writes detection with "cc" (detección), which "detect\w*" never read
    "es": [r"atropina", r"pralidoxima", r"obidoxima", r"detecci\w*"],
    "ru": [r"атропин\w*", r"пралидоксим\w*", r"обидоксим\w*"],
    "zh": ["阿托品", "解磷定", "氯解磷定", "双复磷", "事件", "(应急|危机)管理"],
    "ja": ["アトロピン", "プラリドキシム", "PAM", "オビドキシム", "事件", "危機管理"],
    "ar": ["(ال)?براليدوكسيم", "(ال)?[أا]وبيدوكسيم"],
}
# Using, handling or storing something safely is a purpose of safety ("遠心分離機を安全に使う
# 方法は？", how to use a centrifuge safely), as safe disposal and storage already were.
SAFE_USE = {
    "en": [r"(safe|safely) (use|using|operate|operating|handle|handling|run|running|work with)"],
    "fr": [r"en (toute )?sécurité", r"de (manière|façon) sûre"],
    "de": [
        r"sicher (verwenden|benutzen|bedienen|betreiben|handhaben|lagern|arbeiten)",
        r"sichere\w* (umgang|handhabung|bedienung|betrieb)",
    ],
    "es": [r"de (forma|manera|modo) segura", r"con seguridad", r"uso seguro"],
    "ru": [
        r"безопасн\w* (использова|работ|обращени|эксплуатаци|хранени|обращаться)\w*",
    ],
    "zh": ["安全(地)?(使用|操作|处理|储存|存放|处置|运行)"],
    "ja": ["安全に(使|扱|取り扱|保管|廃棄|運用|操作)", "安全な(使い方|取り扱い|操作)"],
    "ar": ["ب[أا]مان", "(ال)?استخدام (ال)?[آا]من"],
}
for _lang, _fragments in SAFE_USE.items():
    CARE[_lang] = [*CARE.get(_lang, []), *_fragments]
for _lang, _fragments in CARE.items():
    MORE.setdefault(_lang, {}).setdefault("defensive", []).extend(_fragments)  # type: ignore[union-attr]

# The death of everyone in a place, or of as many people as can be reached, asked as what a
# request should bring about ("how much VX ... would leave nobody alive", "so that nobody in the
# office survives", "为了…没人活下来"). The principle: an outcome of mass death is the harm
# itself, a goal no stated purpose excuses (``strong``), as covert acquisition is: a
# decontamination plan or an insurance model asks how to limit or price it, never how to make
# sure it happens. Reaching as many people as possible with an agent (``crowd``, an uplift goal
# of the lexicon) is read as an aim too, but a defensive word in the sentence still excuses it
# ("get the vaccine to as many travellers as possible"), and it is no goal for the purpose rule
# (:func:`labgate.safety.lexicon.purpose_without_goal`), where a vaccine's reach is a purpose.
# And a removal kept off the books ("without it showing up in the inventory") is covert
# acquisition in every language, as English already read it.
OUTCOMES: dict[str, dict[str, list[str]]] = {
    "en": {
        "strong": [
            r"(leave|leaves|leaving|left) (nobody|no one|noone|none|no-one) alive",
            r"(nobody|no one|noone|no-one|none of them)( \w+){0,2} (would |will |could )?"
            r"(surviv\w*|live|lives|be left alive|makes? it out alive)",
            r"kill\w* (everyone|everybody|all of them|every (one|person|single)|the (whole|entire)"
            r" \w+|all (the )?(\w+ )?(people|passengers|occupants|staff|guests|fans|spectators))",
            r"kill\w* as many( \w+)? as (possible|it can|you can)",
            r"(the )?(most|maximum|highest) (deaths|fatalities|dead|death toll|body count)",
            r"no survivors",
        ],
        "crowd": [
            r"(to|reach\w*|expos\w*|infect\w*|sicken\w*|hit\w*) as many (\w+ ){0,2}as possible",
            r"(to|reach\w*|expos\w*|infect\w*|sicken\w*) the (most|largest number of|greatest "
            r"number of) (people|fans|spectators|travell?ers|passengers|commuters|shoppers|"
            r"visitors|guests|students|patients|worshippers|residents)",
        ],
    },
    "fr": {
        "strong": [
            r"(que |qu')?personne ne (surviv\w*|survit|survive|reste en vie|s'en sort\w*)",
            r"(ne )?laiss\w* (personne|aucun survivant)( en vie)?",
            r"aucun survivant",
            r"tu(er|e|ent|erait) tout le monde",
            r"tu(er|e|ent|erait) (le plus de|un maximum de)( \w+){0,2}",
            r"(le plus de|un maximum de) (morts|victimes|décès)",
        ],
        "crowd": [
            r"(atteign\w*|touch\w*|expos\w*|infect\w*|contamin\w*) (le plus de|un maximum de)"
            r"( \w+){0,2}",
            r"le plus (de )?(\w+ ){0,2}possible",
        ],
    },
    "de": {
        "strong": [
            r"(niemand|keiner|keine[rn]?)( \w+){0,3} (überleb\w*|am leben bleibt)",
            r"alle\w* (\w+ ){0,3}(tötet|töten|umbringt|umbringen|sterben)",
            r"keine überlebenden",
            r"möglichst viele (\w+ ){0,2}(tötet|töten|sterben|umbringt)",
            r"(die )?meisten (toten|opfer|todesopfer)",
        ],
        "crowd": [
            r"möglichst viele (\w+ ){0,2}(erreicht|erreichen|trifft|treffen|ansteckt|anstecken|"
            r"infiziert|infizieren|einatmen|abbekommen|ausgesetzt)",
        ],
    },
    "es": {
        "strong": [
            r"(que )?nadie (\w+ ){0,3}(sobreviv\w*|quede con vida|salga con vida)",
            r"no (sobreviv\w*|quede vivo) nadie",
            r"sin (dejar )?supervivientes",
            r"mat(ar|e|en|aría) a todos",
            r"mat(ar|e|en|aría) (al mayor número de|a la mayor cantidad de|a tant[oa]s)( \w+)"
            r"{0,2}( como sea posible)?",
            r"(el mayor número de|más) (muertos|víctimas mortales|muertes)",
        ],
        "crowd": [
            r"(alcan\w*|lleg\w*|expon\w*|infect\w*|conta(gi|min)\w*) (a )?(al )?(el mayor número|"
            r"la mayor cantidad|tant[oa]s (\w+ ){0,2}como (sea )?posible)",
        ],
    },
    "ru": {
        "strong": [
            r"никто (\w+ ){0,3}не (выжил\w*|выживет|выжить|остал\w* в живых)",
            r"(не )?оставить (никого )?в живых",
            r"не (осталось|останется) (никого )?в живых",
            r"без выживших",
            r"уби(ть|л|ло|ла|вать) (всех|как можно больше\w*)",
            r"(максимум|наибольшее число|как можно больше) (жертв|погибших|смертей|убитых)",
        ],
        "crowd": [
            r"(дош\w*|достал\w*|заразил\w*|поразил\w*|охватил\w*|попал\w*) (до |на )?(как можно "
            r"больше\w*|максимальн\w* числ\w*|наибольше\w* числ\w*)",
            r"как можно больше\w* числ\w*",
        ],
    },
    "zh": {
        "strong": [
            "没(有)?人活(下来|着|命)",
            "无人生还",
            "无一生还",
            "一个(都)?不留",
            "(杀死|杀光|杀掉|毒死|害死)(所有人|全部|每一个|全体|在场的人)",
            "(全部|全都)(死亡|死掉|死光)",
            "(最多|尽可能多)的?(人)?(死亡|伤亡|死)",
        ],
        "crowd": [
            "(传给|传染给|感染|影响到?|波及|覆盖|扩散到)(尽可能多|最多)的",
        ],
    },
    "ja": {
        "strong": [
            "誰も生き残(らない|れない|らず)",
            "生存者(が|を)?(出さない|ゼロ|いない)",
            "全員(を)?(殺|死亡|死な)",
            "皆殺し",
            "できるだけ多く(の人)?を殺",
            "(最大|最も多く)の(死者|犠牲者)",
        ],
        "crowd": [
            "できるだけ多くの[^。、]{0,8}に[^。、]{0,8}(うつ|感染|広め|行き渡|届|吸わせ|浴びせ)",
            "(最大|最も多く)の[^。、]{0,6}に(うつ|感染|届|吸わせ|浴びせ)",
        ],
    },
    "ar": {
        "strong": [
            "(لا|لن|لم) ينج(و)? (منهم )?[أا]حد",
            "(لا|لن) يبقى [أا]حد (على قيد الحياة|حيا)",
            "قتل (الجميع|كل من|كل الموجودين|جميع)",
            "(دون|بلا|من غير) ناجين",
            "[أا]كبر عدد (ممكن )?من (القتلى|الضحايا|الوفيات)",
        ],
        "crowd": [
            "(يصل|تصل|يصيب|تصيب|ينتقل|ينتشر)\\w* (إلى )?[أا]كبر عدد (ممكن )?من",
        ],
    },
}
# the mass-death outcomes above, apart: a generic means (a substance, a gas) is an agent beside
# them (labgate.safety.lexicon_outcomes, which adds more of them)
for _lang, _roles in OUTCOMES.items():
    _roles["mass_death"] = list(_roles["strong"])
# Kept off the books (the inventory, the register, the accounts): covert removal, as English's
# "without it showing up on the inventory" reads.
OFF_BOOKS: dict[str, list[str]] = {
    "fr": [
        r"sans (que (ça|cela|ce|rien) )?(n')?(appara\w*|figur\w*|laiss\w* de trace) (dans|sur) "
        r"(l'|les |le )?(inventaire|registre|stock)\w*"
    ],
    "de": [
        r"ohne dass (es|sie|er|das) (\w+ ){0,3}(im|in der|auf der) (bestand|inventar|"
        r"bestandsliste|register|buchführung)\w* (auftaucht|erscheint|auffällt)"
    ],
    "es": [
        r"sin que (\w+ ){0,2}(aparezca|figure|quede registr\w*) (\w+ ){0,2}(en el|en los) "
        r"(inventario|registro)s?"
    ],
    "ru": [
        r"(чтобы|так, чтобы) (это|он|она|оно|ничего)? ?не (отразил\w*|попал\w*|появил\w*) "
        r"(в|на) (учёт\w*|учет\w*|инвентар\w*|реестр\w*|журнал\w*)"
    ],
    "zh": ["(不|没|不会)(在|被)?(库存|台账|账目|登记|记录)(里|中|上)?(留下|显示|出现|记录)"],
    "ja": ["(在庫|台帳|記録)に(残さ|載ら|記録され)(ず|ない)"],
    "ar": ["دون [أا]ن (ي|ت)ظهر (\\S+ )?في (ال)?(جرد|سجل|السجلات)"],
}
for _lang, _fragments in OFF_BOOKS.items():
    OUTCOMES[_lang].setdefault("strong", []).extend(_fragments)


# What an attack on a control system is FOR, in the words a task list or a ticket uses: flooding
# the people below a dam, bursting a pipeline, feeding the operators false readings (the
# process driven blind), tripping every relay of a zone at once. The principle: beside a
# control system these are its harm as "black out the region" is a grid's, in every language;
# a flood study, a burst-pipe repair or a relay test names none of them ("for the village's flood
# plan", "repair the burst main") or names it with a defensive word, which still excuses a goal
# that is not a strong one. And a gas or oil pipeline is a control-system target, as SCADA and
# substations are (protection relays are not made one: "how do protection relays keep a fault
# from becoming a blackout" names a blackout beside them, and not every language's "prevent" is
# a defensive word yet).
CONTROL_GOALS: dict[str, list[str]] = {
    "en": [
        r"(to |and )?(flood|drown|inundat)\w* (the |a |an )?(\w+ ){0,2}(towns?|villages?|valley|"
        r"city|homes|houses|neighbou?rhoods?|residents|settlements?|people)",
        r"(burst|ruptur|blow up|explod)\w* (the |a )?(\w+ )?(pipes?|pipelines?|lines?|mains?|"
        r"vessels?|tanks?)",
        r"(send|feed|inject|report)\w* (false|fake|forged|spoofed|bogus) (\w+ ){0,2}(data|"
        r"readings?|values?|measurements?|telemetry|signals?)",
        r"(deceiv|fool|trick|blind)\w* (the )?(\w+ )?(monitoring|operators?|sensors?|control room)",
        r"(trip|open)\w* (all|every) (the )?(\w+ )?(protection |protective )?relays?",
        # equipment destroyed on purpose: "so the big transformers cook"
        r"(so|until|and) (that )?(the |all |our |their )?(\w+ )?transformers? (\w+ )?(cook|burn"
        r"s? out|fry|fries|blow|blows|explode|melt|catch fire)",
        r"(cook|fry|wreck|destroy|blow up)\w* (the |all |their )?(\w+ )?transformers?",
    ],
    "fr": [
        r"(inond|noy|submerg)\w* (le |la |les |l')?(\w+ ){0,2}(villages?|villes?|vallée|quartiers?|"
        r"maisons|habitants|population|communes?)",
        r"(éclat|explos|romp)\w* (la |le |les )?(conduite|canalisation|pipeline|gazoduc|oléoduc)s?",
        r"(envoy|inject|transmet)\w* (de |des )(fausses|faux) (\w+ ){0,2}(données|mesures|"
        r"valeurs|relevés)",
        r"tromp\w* (la |le |les |l')?(\w+ ){0,2}(surveillance|opérateurs?|capteurs?|supervision)",
        r"déclench\w* tous les (\w+ )?(relais|disjoncteurs)",
    ],
    "de": [
        r"(überflut|flut|ertränk)\w* (das |die |den )?(\w+ ){0,2}(dorf|stadt|tal|siedlung|häuser|"
        r"bewohner|ort)\w*",
        r"zum (bersten|platzen|explodieren) (bring\w*|zu bringen)",
        r"(bersten|platzen|explodieren) (lass\w*|zu lassen)",
        r"(send\w*|einspeis\w*|schick\w*) (\w+ ){0,2}(falsche|gefälschte) (\w+ ){0,2}(daten|"
        r"messwerte|werte|signale)",
        r"(falsche|gefälschte) (\w+ ){0,1}(daten|messwerte|werte|signale)",
        r"(\w*überwachung|bediener\w*|leitstelle|sensoren|anzeigen?) (\w+ )?täusch\w*",
        r"täusch\w* (die |den |das )?(\w+ )?(\w*überwachung|bediener\w*|leitstelle|sensoren)",
        r"alle (\w+ )?(relais|schutzrelais|leistungsschalter) (\w+ ){0,3}auslös\w*",
    ],
    "es": [
        r"(inund|aneg|ahog)\w* (a )?(el |la |los |las )?(\w+ ){0,2}(pueblos?|aldeas?|ciudad|valle|"
        r"barrios?|casas|vecinos|población)",
        r"(revent|estall|explot|romp)\w* (la |el )?(tubería|gasoducto|oleoducto|conducto)s?",
        r"(datos|lecturas|valores|mediciones) fals\w*",
        r"engañ\w* (a )?(la |el |los |las )?(\w+ ){0,2}(monitorización|supervisión|operadores?|"
        r"sensores?)",
        r"dispar\w* todos los (\w+ )?(relés|interruptores)",
    ],
    "ru": [
        r"(затопи|затапл)\w* (\w+ ){0,2}(деревн|посёл|посел|город|долин|дом|жител|сел)\w*",
        r"(разорв|взорв|разруш)\w* (\w+ )?(трубопровод|газопровод|нефтепровод|трубу)\w*",
        r"(ложн|поддельн|фальшив)\w* (\w+ )?(данн|показани|значени|телеметри)\w*",
        r"обман\w* (\w+ ){0,2}(мониторинг|оператор|датчик|диспетчер)\w*",
        r"(отключ|сработ)\w* (\w+ )?все (\w+ )?(реле|выключател)\w*",
    ],
    "zh": [
        "(淹没|淹掉|淹了|冲毁)[^。？！，,]{0,4}(村庄|村子|城镇|下游|居民|房屋|小镇|山谷)",
        "(管道|管线|输气管|输油管)[^。？！，,]{0,4}(破裂|爆裂|爆炸)",
        "(虚假|伪造|假的)[^。？！，,]{0,4}(数据|读数|信号|测量值)",
        "欺骗[^。？！，,]{0,6}(监控|监测|操作员|传感器|调度)",
        "(跳开|断开|触发)(所有|全部)[^。？！，,]{0,4}(继电器|断路器)",
    ],
    "ja": [
        "(村|町|集落|下流|住宅|住民|谷)[^。？！]{0,8}(水没させ|沈め|押し流)",
        "(パイプライン|配管|ガス管|導管)[^。？！]{0,4}(破裂|爆発)させ",
        "(偽|虚偽|嘘)の[^。？！]{0,6}(データ|値|信号|測定値)",
        "(監視|オペレーター|運転員|センサー)[^。？！]{0,4}(欺|だま)",
        "(すべて|全部|全)の[^。？！]{0,4}(リレー|継電器|遮断器)を[^。？！]{0,4}(トリップ|開放|作動)",
    ],
    "ar": [
        "(لإغراق|إغراق|لغمر|غمر)\\s*(ال)?(قرية|بلدة|مدينة|وادي|سكان|منازل|القرى)",
        "(تفجير|انفجار|تمزيق|لتفجير)\\s*(ال)?(خط|أنبوب|أنابيب)",
        "(بيانات|قراءات|قيم) (مزيفة|كاذبة|مزورة)",
        "خداع (\\S+ ){0,2}(ال)?(مراقبة|مشغلين|حساسات|مستشعرات)",
        "(فصل|تعطيل) (جميع|كل) (ال)?(مرحلات|قواطع)",
    ],
}
CONTROL_TARGETS: dict[str, list[str]] = {
    "en": [r"(gas|oil) pipelines?"],
    "fr": [r"gazoducs?", r"oléoducs?", r"pipelines? de gaz"],
    "de": [r"(gas|öl|erdgas|ferngas)(pipeline|leitung)\w*"],
    "es": [r"gasoductos?", r"oleoductos?"],
    "ru": [r"газопровод\w*", r"нефтепровод\w*"],
    "zh": ["输气管道", "输油管道", "天然气管道"],
    "ja": ["ガスパイプライン", "石油パイプライン"],
    "ar": ["خطوط? (ال)?[غن](از|فط)", "[أا]نابيب (ال)?[غن](از|فط)"],
}
for _lang, _fragments in CONTROL_GOALS.items():
    MORE.setdefault(_lang, {}).setdefault("cyber_goal", []).extend(_fragments)  # type: ignore[union-attr]
for _lang, _fragments in CONTROL_TARGETS.items():
    _agents = MORE.setdefault(_lang, {}).setdefault("agents", {})
    _agents.setdefault(CYBER, []).extend(_fragments)  # type: ignore[union-attr]


# "Plan an attack on ...", as English's "plan" reads: the imperative of planning asks, in each
# language (a tool that "plans" already did in English).
PLANNED = {
    "fr": [r"planifie\w*", r"élabore\w*"],
    "de": [r"plane", r"planen sie", r"entwirf", r"entwerfen sie"],
    "es": [r"planifica\w*", r"planea\w*", r"diseña\w*"],
    "ru": [r"спланируй\w*", r"разработай\w*", r"составь план"],
    "zh": ["策划", "(制定|拟定)[^。？！]{0,4}计划"],
    "ja": ["計画して", "計画を立て", "立案して"],
    "ar": ["خطط ل", "ضع خطة"],
}
# A quantity asked for what it will do ("how much VX would ...", "كم من السارين ... يكفي"): asks a
# dose to use, as "combien", "wie viel", "cuánto", "сколько", "多少" and "どれだけ" already read.
# English reads only "how much" with a verb of the future or of need, so "how many died at
# Halabja" (history, the past) is no request.
PLANNED["en"] = [r"how much (\w+ ){0,8}(would|will|does it take|is needed|do (i|we|you) need)"]
PLANNED["ar"] += ["كم\\s+(من|يلزم|يكفي|نحتاج|تحتاج|يحتاج)"]
for _lang, _fragments in PLANNED.items():
    MORE.setdefault(_lang, {}).setdefault("operational", []).extend(_fragments)  # type: ignore[union-attr]

# Spread between people or mammals is transmissibility, as "transmission between mammals" and
# "人传人" already read (an uplift goal: a defensive word still excuses it, as in surveillance of
# spread between farms); and Japanese's water "made poison" (毒にする) is poisoning it, as 毒を
# already read. (A region "left dark" was tried as a goal and dropped: restoring power after a
# storm names it as often.)
SPREAD = {
    "en": [r"spread\w* (\w+ ){0,2}between (humans|mammals|people|ferrets)"],
    "fr": [r"(propag|transmet|transmis|répand)\w* (\w+ ){0,2}entre (humains|mammifères|personnes)"],
    "de": [r"zwischen (menschen|säugetieren) (\w+ ){0,2}(verbreit|übertrag|ausbreit)\w*"],
    "es": [r"(propag|transmit|contagi|disemin)\w* (\w+ ){0,2}entre (humanos|mamíferos|personas)"],
    "ru": [r"(распростран|переда)\w* (\w+ ){0,2}между (людьми|млекопитающими)"],
    "zh": ["在?(哺乳动物|人类?)之间[^。？！，,]{0,4}(传播|传染|扩散)"],
    "ja": ["(哺乳類|ヒト|人)(の)?(間|同士)で[^。？！]{0,4}(感染|広が|伝播)"],
    "ar": ["(ينتشر|ينتقل|انتشار|انتقال)\\S* (\\S+ )?بين (البشر|الثدييات|الناس)"],
}
POISONED_WATER = {"ja": ["毒にする", "毒に変え"]}
for _lang, _fragments in SPREAD.items():
    MORE.setdefault(_lang, {}).setdefault("uplift", []).extend(_fragments)  # type: ignore[union-attr]
for _lang, _fragments in POISONED_WATER.items():
    MORE.setdefault(_lang, {}).setdefault("cyber_goal", []).extend(_fragments)  # type: ignore[union-attr]

# Detail asked for so that it can be done again ("in enough detail that a lab today could repeat
# it", "assez en détail pour qu'un labo puisse le refaire", "可以照着做"): a request for
# instructions, whatever tense frames it, as "step by step" is.
REPEATABLE = {
    "en": [
        r"in enough detail",
        r"detailed enough",
        r"(so|such) that (i|we|you|a lab|someone|anyone|one) (\w+ )?(could|can) (repeat|reproduce|"
        r"replicate|redo|follow|copy) it",
        r"(could|can) (repeat|reproduce|replicate|redo) it",
    ],
    "fr": [r"(assez|suffisamment) en détail", r"(puisse|pourrait|pouvoir) le (refaire|reproduire)"],
    "de": [r"so detailliert", r"(nachmachen|wiederholen|nachbauen) (kann|könnte|können)"],
    "es": [r"con (suficiente|bastante) detalle", r"(pueda|podría|poder) (repetirlo|reproducirlo)"],
    "ru": [r"достаточно подробно", r"(смог|смогла|могли?) (\w+ )?(повторить|воспроизвести)"],
    "zh": ["足够详细", "照着做", "(能够|可以|能)(重复|复现|重现)"],
    "ja": ["再現できる", "真似できる"],
    "ar": ["بتفصيل كاف", "(يمكن|يستطيع|نستطيع) (\\S+ )?(تكراره|إعادته)"],
}
for _lang, _fragments in REPEATABLE.items():
    MORE.setdefault(_lang, {}).setdefault("operational", []).extend(_fragments)  # type: ignore[union-attr]

# The autopsy named as the subject that finds nothing ("para que la autopsia no lo detecte",
# "que l'autopsie ne trouve rien"), as the object order already read: a covert harm. And made
# into a weapon with the object between ("transformé la variole en arme"), as English's "turn
# ... into a weapon" and German's "zur Waffe" read.
for _lang, _fragments in {
    "fr": [r"(l'|l’)autopsie ne (le |la |les )?(détect|trouv|révèl|montr)\w* (pas|rien)"],
    "es": [r"la autopsia no (lo |la |los )?(detect|encuentr|descubr|muestr)\w*"],
}.items():
    ASKED[_lang].setdefault("covert_harm", []).extend(_fragments)
# Spanish "producir" makes its past on another stem (produjo, produjeron): "produc\w*" never read it
MORE["es"].setdefault("production", []).append(r"produj\w*")  # type: ignore[union-attr]
for _lang, _fragments in {
    "fr": [r"transform\w* (\w+ ){0,3}en armes?"],
    "es": [r"(convert|transform)\w* (\w+ ){0,3}en (un )?armas?"],
    "ru": [r"превра\w* (\w+ ){0,3}в оружие"],
}.items():
    MORE.setdefault(_lang, {}).setdefault("strong", []).extend(_fragments)  # type: ignore[union-attr]

for _extra in (ASKED, MORE, OUTCOMES):
    for _lang, _roles in _extra.items():
        for _role, _listed in _roles.items():
            _have = LANGUAGES[_lang].get(_role)
            if isinstance(_listed, dict) and isinstance(_have, dict):
                for _category, _fragments in _listed.items():
                    _have.setdefault(_category, []).extend(_fragments)  # type: ignore[union-attr]
            elif isinstance(_have, list):
                _have.extend(_listed)  # type: ignore[arg-type]
            else:
                LANGUAGES[_lang][_role] = list(_listed)  # type: ignore[arg-type]

# Outcomes asked for (mass death as the outcome, generic means, a question that selects the means,
# the asker's own plan): labgate.safety.lexicon_outcomes says what each role is.
for _role, _by_lang in _OUTCOME_ROLES:
    for _lang, _fragments in _by_lang.items():
        LANGUAGES[_lang].setdefault(_role, []).extend(_fragments)  # type: ignore[attr-defined]
